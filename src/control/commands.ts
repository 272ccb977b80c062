// What the server does with each decoded command (docs/control-socket.md). lmkd sends no
// error replies: refusals and bad input are logged (rate-limited per connection) and the
// datagram is dropped.
import type { Level } from '../policy/table.js';
import type { Connection } from './connection.js';
import type { KillCounters } from './kill-counters.js';
import { PAGE_SIZE_KIB } from '../model/units.js';
import { encodeReply, type Command, type ProcPrio, type ProtocolError } from './protocol.js';
import type { RegisterOutcome, Registry } from './registry.js';

/** lmkd's TARGET_UPDATE_MIN_INTERVAL_MS. */
export const TARGET_MIN_INTERVAL_MS = 1000;

export interface ControlHooks {
  /** LMK_TARGET: the new minfree/adj table (minfree converted from 4 KiB pages). */
  onTarget?: (levels: Level[]) => void;
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

function procPrio(ctx: CommandContext, conn: Connection, sender: number, proc: ProcPrio): void {
  logRegistration(conn, proc, sender, ctx.registry.register(proc, sender, ctx.isLive));
}

function target(ctx: CommandContext, conn: Connection, levels: Command & { cmd: 'target' }): void {
  const now = ctx.nowMs();
  if (ctx.lastTargetMs !== undefined && now - ctx.lastTargetMs < TARGET_MIN_INTERVAL_MS) {
    const sinceMs = Math.round(now - ctx.lastTargetMs);
    conn.limiter.line('warn', 'control.target-ignored', `${conn.describe()}: LMK_TARGET ignored: ${sinceMs} ms after the previous one (at most one per ${TARGET_MIN_INTERVAL_MS} ms)`, { sinceMs });
    return;
  }
  ctx.lastTargetMs = now;
  const table: Level[] = levels.levels.map((l) => ({ minfreeKiB: l.minfreePages * PAGE_SIZE_KIB, adj: l.adj }));
  conn.limiter.line('info', 'control.target', `${conn.describe()}: minfree/adj table set: ${table.map((l) => `${l.minfreeKiB}KiB:${l.adj}`).join(',')}`, { levels: table });
  ctx.hooks().onTarget?.(table);
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

export function handleCommand(ctx: CommandContext, conn: Connection, sender: number, command: Command): void {
  switch (command.cmd) {
    case 'target':
      return target(ctx, conn, command);
    case 'procprio':
      return procPrio(ctx, conn, sender, command.proc);
    case 'procs_prio':
      for (const error of command.rejected) logProtocolError(conn, error, sender);
      for (const proc of command.procs) procPrio(ctx, conn, sender, proc);
      return;
    case 'procremove': {
      const r = ctx.registry.remove(command.pid, sender, ctx.isLive);
      if (r.status === 'refused') {
        conn.limiter.line('warn', 'control.refused', `${conn.describe()} removing pid ${command.pid}: refused, the record belongs to live client pid ${r.owner}`, { pid: command.pid, owner: r.owner, senderPid: sender });
      }
      return;
    }
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
