// What the server does with each decoded command (docs/control-socket.md). lmkd sends no
// error replies: refusals and bad input are logged (rate-limited per connection) and the
// datagram is dropped.
import type { Level } from '../policy/table.js';
import type { Connection } from './connection.js';
import type { KillCounters } from './kill-counters.js';
import { PAGE_SIZE_KIB } from '../model/units.js';
import { encodeReply, LMK, type Command, type ProcPrio, type ProtocolError } from './protocol.js';
import type { RegisterOutcome, Registry } from './registry.js';
import { badDatagramOutcome, errnoNumber, OUTCOME_STATUS, type Outcome } from './outcome.js';

/** lmkd's TARGET_UPDATE_MIN_INTERVAL_MS. */
const TARGET_MIN_INTERVAL_MS = 1000;

export interface ControlHooks {
  /** LMK_TARGET: the new minfree/adj table (minfree converted from 4 KiB pages); false:
   * no domain takes a table (the client's REAPD_OUTCOME then says so). */
  onTarget?: (levels: Level[]) => boolean | void;
  /** LMK_UPDATE_PROPS: reload the configuration; the client hears 0 (true) or -1. */
  onUpdateProps?: () => Promise<boolean>;
  /** LMK_START_MONITORING. */
  onStartMonitoring?: () => void;
}

export interface CommandContext {
  registry: Registry;
  counters: KillCounters;
  nowMs(): number;
  isLive(pid: number): boolean;
  reply(conn: Connection, data: Uint8Array): void;
  /** The daemon's hooks, read at each command (they may be wired after start). */
  hooks(): ControlHooks;
  /** Time of the last accepted LMK_TARGET (shared by every connection, as in lmkd). */
  lastTargetMs: number | undefined;
}

export function logProtocolError(conn: Connection, error: ProtocolError, sender: number): void {
  conn.outcome = badDatagramOutcome(error.command, error.code);
  conn.limiter.line('warn', 'control.bad-datagram', `${conn.describe()}: dropped a datagram: ${error.message}`, {
    code: error.code,
    command: error.command,
    lengthBytes: error.length,
    senderPid: sender,
  });
}

function logRegistration(conn: Connection, proc: ProcPrio, sender: number, outcome: RegisterOutcome): void {
  const fields = { pid: proc.pid, uid: proc.uid, adj: proc.adj, senderPid: sender };
  const who = `${conn.describe()} registering pid ${proc.pid} at adj ${proc.adj}`;
  switch (outcome.status) {
    case 'registered': {
      const claimed = outcome.claimedFrom !== undefined ? ` (claimed from departed client pid ${outcome.claimedFrom || 'none'})` : '';
      conn.limiter.line('debug', 'control.registered', `${outcome.isNew ? 'registered' : 'updated'} pid ${proc.pid}: uid ${proc.uid}, adj ${proc.adj}${claimed}`, fields);
      return;
    }
    case 'refused':
      conn.limiter.line('warn', 'control.refused', `${who}: refused, the record belongs to live client pid ${outcome.owner}`, { ...fields, owner: outcome.owner });
      return;
    case 'protected':
      conn.limiter.line('warn', 'control.refused', `${who}: refused, pid ${proc.pid} is init or reapd itself`, fields);
      return;
    case 'gone':
      conn.limiter.line('info', 'control.gone', `${who}: the process is gone; not registered`, fields);
      return;
    case 'not-leader':
      conn.limiter.line('warn', 'control.not-leader', `${who}: not a thread-group leader (tgid ${outcome.tgid}); not registered`, { ...fields, tgid: outcome.tgid });
      return;
    case 'pidfd-failed':
      conn.limiter.line('warn', 'control.pidfd-failed', `${who}: pidfd_open failed (${outcome.error}); not registered`, { ...fields, error: outcome.error });
      return;
    case 'adj-failed': {
      const hint = outcome.error === 'EACCES' || outcome.error === 'EPERM' ? ' (lowering oom_score_adj below 0 needs CAP_SYS_RESOURCE, which reapd lacks)' : '';
      const dropped = outcome.droppedEarlier ? '; its earlier registration was dropped' : '';
      conn.limiter.line('error', 'control.adj-failed', `${who}: writing /proc/${proc.pid}/oom_score_adj failed: ${outcome.error}${hint}; not registered${dropped}`, {
        ...fields,
        error: outcome.error,
      });
    }
  }
}

/** A registration's outcome on the wire (REAPD_OUTCOME). */
function registrationOutcome(command: number, r: RegisterOutcome): Outcome {
  const o = (status: Outcome['status'], detail = 0): Outcome => ({ command, status, detail });
  switch (r.status) {
    case 'registered':
      return o(OUTCOME_STATUS.OK);
    case 'refused':
      return o(OUTCOME_STATUS.REFUSED, r.owner);
    case 'protected':
      return o(OUTCOME_STATUS.PROTECTED);
    case 'gone':
      return o(OUTCOME_STATUS.GONE);
    case 'not-leader':
      return o(OUTCOME_STATUS.NOT_LEADER, r.tgid);
    case 'pidfd-failed':
      return o(OUTCOME_STATUS.PIDFD_FAILED, errnoNumber(r.error));
    case 'adj-failed':
      return o(OUTCOME_STATUS.ADJ_FAILED, errnoNumber(r.error));
  }
}

/** Registers one process; returns its outcome (the caller decides which one the connection keeps). */
function procPrio(ctx: CommandContext, conn: Connection, sender: number, proc: ProcPrio, command: number): Outcome {
  const r = ctx.registry.register(proc, sender, ctx.isLive);
  logRegistration(conn, proc, sender, r);
  return registrationOutcome(command, r);
}

function target(ctx: CommandContext, conn: Connection, levels: Command & { cmd: 'target' }): void {
  const now = ctx.nowMs();
  if (ctx.lastTargetMs !== undefined && now - ctx.lastTargetMs < TARGET_MIN_INTERVAL_MS) {
    const sinceMs = Math.round(now - ctx.lastTargetMs);
    conn.limiter.line('warn', 'control.target-ignored', `${conn.describe()}: LMK_TARGET ignored: ${sinceMs} ms after the previous one (at most one per ${TARGET_MIN_INTERVAL_MS} ms)`, { sinceMs });
    conn.outcome = { command: LMK.TARGET, status: OUTCOME_STATUS.RATE_LIMITED, detail: sinceMs };
    return;
  }
  ctx.lastTargetMs = now;
  const table: Level[] = levels.levels.map((l) => ({ minfreeKiB: l.minfreePages * PAGE_SIZE_KIB, adj: l.adj }));
  conn.limiter.line('info', 'control.target', `${conn.describe()}: minfree/adj table set: ${table.map((l) => `${l.minfreeKiB}KiB:${l.adj}`).join(',')}`, { levels: table });
  const applied = ctx.hooks().onTarget?.(table);
  conn.outcome = { command: LMK.TARGET, status: applied === false ? OUTCOME_STATUS.NOT_APPLIED : OUTCOME_STATUS.OK, detail: 0 };
}

function updateProps(ctx: CommandContext, conn: Connection): void {
  const hook = ctx.hooks().onUpdateProps;
  if (!hook) {
    conn.limiter.line('warn', 'control.update-props', `${conn.describe()}: LMK_UPDATE_PROPS: no configuration to reload; replying -1`);
    ctx.reply(conn, encodeReply.updateProps(false));
    return;
  }
  hook().then(
    (ok) => ctx.reply(conn, encodeReply.updateProps(ok)),
    (e: unknown) => {
      conn.limiter.line('error', 'control.update-props', `${conn.describe()}: reloading the configuration failed: ${String(e)}`);
      ctx.reply(conn, encodeReply.updateProps(false));
    },
  );
}

/** Commands that have a reply of their own leave the connection's outcome alone. */
const NO_REPLY_COMMAND: Partial<Record<Command['cmd'], number>> = {
  target: LMK.TARGET, procprio: LMK.PROCPRIO, procs_prio: LMK.PROCS_PRIO, procremove: LMK.PROCREMOVE, procpurge: LMK.PROCPURGE,
  subscribe: LMK.SUBSCRIBE, start_monitoring: LMK.START_MONITORING,
};

export function handleCommand(ctx: CommandContext, conn: Connection, sender: number, command: Command): void {
  const word = NO_REPLY_COMMAND[command.cmd];
  if (word !== undefined) conn.outcome = { command: word, status: OUTCOME_STATUS.OK, detail: 0 };
  switch (command.cmd) {
    case 'target':
      return target(ctx, conn, command);
    case 'procprio':
      conn.outcome = procPrio(ctx, conn, sender, command.proc, LMK.PROCPRIO);
      return;
    case 'procs_prio': {
      // The first failure is the one reported (entries apply independently, as lmkd).
      const outcomes: Outcome[] = command.rejected.map((error) => {
        logProtocolError(conn, error, sender);
        return badDatagramOutcome(LMK.PROCS_PRIO, error.code);
      });
      for (const proc of command.procs) outcomes.push(procPrio(ctx, conn, sender, proc, LMK.PROCS_PRIO));
      conn.outcome = outcomes.find((o) => o.status !== OUTCOME_STATUS.OK) ?? { command: LMK.PROCS_PRIO, status: OUTCOME_STATUS.OK, detail: 0 };
      return;
    }
    case 'procremove': {
      const r = ctx.registry.remove(command.pid, sender, ctx.isLive);
      if (r.status === 'refused') {
        conn.limiter.line('warn', 'control.refused', `${conn.describe()} removing pid ${command.pid}: refused, the record belongs to live client pid ${r.owner}`, { pid: command.pid, owner: r.owner, senderPid: sender });
        conn.outcome = { command: LMK.PROCREMOVE, status: OUTCOME_STATUS.REFUSED, detail: r.owner };
      }
      return;
    }
    case 'outcome':
      return ctx.reply(conn, encodeReply.outcome(conn.outcome));
    case 'procpurge': {
      const n = ctx.registry.purge(sender, ctx.isLive);
      conn.limiter.line('info', 'control.purge', `${conn.describe()}: purged ${n} record(s)`, { removed: n, senderPid: sender });
      return;
    }
    case 'getkillcnt':
      return ctx.reply(conn, encodeReply.killCount(ctx.counters.count(command.minAdj, command.maxAdj)));
    case 'subscribe':
      conn.subscriptions.add(command.kind);
      return;
    case 'update_props':
      return updateProps(ctx, conn);
    case 'start_monitoring':
      ctx.hooks().onStartMonitoring?.();
      return;
    case 'boot_completed':
      // Android 15's LMK_BOOT_COMPLETED: nothing waits for boot in reapd; acknowledge.
      return ctx.reply(conn, encodeReply.bootCompleted(0));
  }
}
