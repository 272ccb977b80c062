// The lmkd control protocol (shared/spec/lmkd-protocol.md, docs/control-socket.md): pure
// encoders and decoders, no I/O. Every datagram is an array of big-endian int32 words,
// word 0 the command, except LMK_STAT_KILL_OCCURRED which is byte-packed.
//
// Numbering: Android 14 (0-9) plus LMK_PROCS_PRIO = 11 from Android 15. 10
// (LMK_BOOT_COMPLETED, Android 15) is accepted and answered `10, 0` so a newer client
// that waits for the reply is not left hanging; reapd has nothing to defer until boot.
// reapd's one extension: LMK_SUBSCRIBE event 16 asks for warnings before a kill, sent as
// message 64 (REAPD_WARNING). lmkd has neither number; an lmkd client never subscribes to
// 16, so it never sees a 64 (docs/control-socket.md, "Warnings before a kill").
// And a query, 65 (REAPD_OUTCOME): what became of this connection's last command that has
// no reply (outcome.ts). lmkd clients never send it.
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../model/limits.js';

export const LMK = {
  TARGET: 0,
  PROCPRIO: 1,
  PROCREMOVE: 2,
  PROCPURGE: 3,
  GETKILLCNT: 4,
  SUBSCRIBE: 5,
  PROCKILL: 6,
  UPDATE_PROPS: 7,
  STAT_KILL_OCCURRED: 8,
  START_MONITORING: 9,
  BOOT_COMPLETED: 10,
  PROCS_PRIO: 11,
  /** reapd's extension, server -> warning subscribers: `64, pid, uid, rank, sizeKiB, headroomKiB`. */
  REAPD_WARNING: 64,
  /** reapd's extension, client -> server `65`, answered `65, command, status, detail` (outcome.ts). */
  REAPD_OUTCOME: 65,
} as const;

/** 13 words: LMK_TARGET with MAX_TARGETS = 6 pairs, and LMK_PROCS_PRIO with 3 quadruples. */
export const MAX_INBOUND_BYTES = 52;
export const MAX_TARGETS = 6;
export const MAX_PROCS_PRIO = 3;
export { MAX_TASKNAME_BYTES } from '../model/task-name.js';

/** lmkd's process types (ptype). */
export const PROC_TYPE = { APP: 0, SERVICE: 1 } as const;
/** LMK_SUBSCRIBE event kinds; 16 is reapd's (lmkd's own are 0 and 1, and lmkd leaves room after them). */
const ASYNC_EVENT = { KILL: 0, STAT: 1, WARNING: 16 } as const;
export type SubscriptionKind = 'kill' | 'stat' | 'warning';
const EVENT_OF: Record<SubscriptionKind, number> = { kill: ASYNC_EVENT.KILL, stat: ASYNC_EVENT.STAT, warning: ASYNC_EVENT.WARNING };

interface TargetLevel {
  minfreePages: number;
  adj: number;
}

export interface ProcPrio {
  pid: number;
  uid: number;
  adj: number;
  /** 0 = app (default), 1 = service. */
  processType: number;
}

export type Command =
  | { cmd: 'target'; levels: TargetLevel[] }
  | { cmd: 'procprio'; proc: ProcPrio }
  | { cmd: 'procremove'; pid: number }
  | { cmd: 'procpurge' }
  | { cmd: 'getkillcnt'; minAdj: number; maxAdj: number }
  | { cmd: 'subscribe'; kind: SubscriptionKind }
  | { cmd: 'update_props' }
  | { cmd: 'start_monitoring' }
  | { cmd: 'boot_completed' }
  | { cmd: 'outcome' }
  /** Not atomic (as lmkd): valid entries apply, invalid ones are reported in `rejected`. */
  | { cmd: 'procs_prio'; procs: ProcPrio[]; rejected: ProtocolError[] };

export type ProtocolErrorCode =
  | 'too-short' // fewer than 4 bytes: no command word
  | 'too-long' // more than 52 bytes
  | 'unaligned' // length not a multiple of 4
  | 'wrong-length' // word count wrong for this command
  | 'unknown-command'
  | 'bad-adj' // outside [-1000, 1000]
  | 'bad-pid' // pid <= 0
  | 'bad-process-type' // ptype not 0 or 1
  | 'bad-target' // 0 or > 6 pairs, negative or non-ascending minfree
  | 'bad-event' // SUBSCRIBE event not 0, 1 or 16
  | 'not-a-reply'; // a client saw a datagram it does not understand

export interface ProtocolError {
  code: ProtocolErrorCode;
  /** Command word, when the datagram had one. */
  command?: number;
  /** Datagram length in bytes. */
  length: number;
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

const fail = <T>(code: ProtocolErrorCode, length: number, message: string, command?: number): Decoded<T> => ({
  ok: false,
  error: command === undefined ? { code, length, message } : { code, command, length, message },
});

function words(data: Uint8Array): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= data.byteLength; i += 4) out.push(view.getInt32(i, false));
  return out;
}

const adjOk = (adj: number): boolean => adj >= OOM_SCORE_ADJ_MIN && adj <= OOM_SCORE_ADJ_MAX;

/** Check one PROCPRIO record (also each entry of PROCS_PRIO). */
function validateProcPrio(p: ProcPrio, command: number, length: number): ProtocolError | undefined {
  if (p.pid <= 0) return { code: 'bad-pid', command, length, message: `pid ${p.pid} is not a process id` };
  if (!adjOk(p.adj)) return { code: 'bad-adj', command, length, message: `adj ${p.adj} outside [-1000, 1000] (pid ${p.pid})` };
  if (p.processType !== PROC_TYPE.APP && p.processType !== PROC_TYPE.SERVICE) {
    return { code: 'bad-process-type', command, length, message: `process type ${p.processType} is neither 0 (app) nor 1 (service) (pid ${p.pid})` };
  }
  return undefined;
}

function decodeTarget(args: number[], length: number): Decoded<Command> {
  if (args.length % 2 !== 0) return fail('wrong-length', length, `LMK_TARGET needs minfree/adj pairs, got ${args.length} words`, LMK.TARGET);
  const n = args.length / 2;
  if (n < 1 || n > MAX_TARGETS) return fail('bad-target', length, `LMK_TARGET needs 1..${MAX_TARGETS} levels, got ${n}`, LMK.TARGET);
  const levels: TargetLevel[] = [];
  for (let i = 0; i < n; i++) {
    const minfreePages = args[2 * i] as number;
    const adj = args[2 * i + 1] as number;
    if (minfreePages < 0) return fail('bad-target', length, `LMK_TARGET level ${i}: minfree ${minfreePages} pages is negative`, LMK.TARGET);
    if (!adjOk(adj)) return fail('bad-adj', length, `LMK_TARGET level ${i}: adj ${adj} outside [-1000, 1000]`, LMK.TARGET);
    const prev = levels[i - 1];
    if (prev && minfreePages <= prev.minfreePages) {
      return fail('bad-target', length, `LMK_TARGET minfree must ascend: level ${i} has ${minfreePages} pages after ${prev.minfreePages}`, LMK.TARGET);
    }
    levels.push({ minfreePages, adj });
  }
  return { ok: true, value: { cmd: 'target', levels } };
}

function decodeProcPrio(args: number[], length: number): Decoded<Command> {
  if (args.length < 3 || args.length > 4) return fail('wrong-length', length, `LMK_PROCPRIO needs 3 or 4 arguments, got ${args.length}`, LMK.PROCPRIO);
  const [pid, uid, adj, ptype] = args as [number, number, number, number?];
  const proc: ProcPrio = { pid, uid, adj, processType: ptype ?? PROC_TYPE.APP };
  const error = validateProcPrio(proc, LMK.PROCPRIO, length);
  return error ? { ok: false, error } : { ok: true, value: { cmd: 'procprio', proc } };
}

function decodeProcsPrio(args: number[], length: number): Decoded<Command> {
  if (args.length === 0 || args.length % 4 !== 0) {
    return fail('wrong-length', length, `LMK_PROCS_PRIO needs (pid, uid, adj, ptype) quadruples, got ${args.length} words`, LMK.PROCS_PRIO);
  }
  // 13 words at most, so k <= 3 holds whenever the length check passed; kept for clarity.
  if (args.length / 4 > MAX_PROCS_PRIO) return fail('wrong-length', length, `LMK_PROCS_PRIO carries at most ${MAX_PROCS_PRIO} processes`, LMK.PROCS_PRIO);
  const procs: ProcPrio[] = [];
  const rejected: ProtocolError[] = [];
  for (let i = 0; i < args.length; i += 4) {
    const proc: ProcPrio = { pid: args[i] as number, uid: args[i + 1] as number, adj: args[i + 2] as number, processType: args[i + 3] as number };
    const error = validateProcPrio(proc, LMK.PROCS_PRIO, length);
    if (error) rejected.push(error);
    else procs.push(proc);
  }
  return { ok: true, value: { cmd: 'procs_prio', procs, rejected } };
}

/** Commands whose only check is an exact argument count. */
const FIXED_ARGS: Record<number, number> = {
  [LMK.PROCREMOVE]: 1,
  [LMK.PROCPURGE]: 0,
  [LMK.GETKILLCNT]: 2,
  [LMK.SUBSCRIBE]: 1,
  [LMK.UPDATE_PROPS]: 0,
  [LMK.START_MONITORING]: 0,
  [LMK.BOOT_COMPLETED]: 0,
  [LMK.REAPD_OUTCOME]: 0,
};

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(LMK).map(([k, v]) => [v, `LMK_${k}`]));

export function commandName(cmd: number): string {
  return NAMES[cmd] ?? `command ${cmd}`;
}

function decodeFixed(cmd: number, args: number[], length: number): Decoded<Command> {
  const a0 = args[0] as number;
  switch (cmd) {
    case LMK.PROCREMOVE:
      return a0 > 0 ? { ok: true, value: { cmd: 'procremove', pid: a0 } } : fail('bad-pid', length, `pid ${a0} is not a process id`, cmd);
    case LMK.PROCPURGE:
      return { ok: true, value: { cmd: 'procpurge' } };
    case LMK.GETKILLCNT:
      return { ok: true, value: { cmd: 'getkillcnt', minAdj: a0, maxAdj: args[1] as number } };
    case LMK.SUBSCRIBE:
      if (a0 === ASYNC_EVENT.KILL) return { ok: true, value: { cmd: 'subscribe', kind: 'kill' } };
      if (a0 === ASYNC_EVENT.STAT) return { ok: true, value: { cmd: 'subscribe', kind: 'stat' } };
      if (a0 === ASYNC_EVENT.WARNING) return { ok: true, value: { cmd: 'subscribe', kind: 'warning' } };
      return fail('bad-event', length, `LMK_SUBSCRIBE event ${a0} is none of 0 (kill), 1 (stat) and 16 (warning)`, cmd);
    case LMK.UPDATE_PROPS:
      return { ok: true, value: { cmd: 'update_props' } };
    case LMK.START_MONITORING:
      return { ok: true, value: { cmd: 'start_monitoring' } };
    case LMK.REAPD_OUTCOME:
      return { ok: true, value: { cmd: 'outcome' } };
    default:
      return { ok: true, value: { cmd: 'boot_completed' } };
  }
}

/** Decode one client -> server datagram. Never throws. */
export function decodeCommand(data: Uint8Array): Decoded<Command> {
  const length = data.byteLength;
  if (length < 4) return fail('too-short', length, `datagram of ${length} bytes has no command word`);
  const [cmd, ...args] = words(data) as [number, ...number[]];
  if (length > MAX_INBOUND_BYTES) return fail('too-long', length, `${commandName(cmd)}: ${length} bytes exceeds ${MAX_INBOUND_BYTES}`, cmd);
  if (length % 4 !== 0) return fail('unaligned', length, `${commandName(cmd)}: ${length} bytes is not a whole number of 32-bit words`, cmd);
  if (cmd === LMK.TARGET) return decodeTarget(args, length);
  if (cmd === LMK.PROCPRIO) return decodeProcPrio(args, length);
  if (cmd === LMK.PROCS_PRIO) return decodeProcsPrio(args, length);
  const expected = FIXED_ARGS[cmd];
  if (expected === undefined) return fail('unknown-command', length, `unknown command ${cmd}`, cmd);
  if (args.length !== expected) return fail('wrong-length', length, `${commandName(cmd)} needs ${expected} argument(s), got ${args.length}`, cmd);
  return decodeFixed(cmd, args, length);
}

/** Pack int32 words big-endian. */
export function packWords(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v | 0, false));
  return out;
}

// Client -> server encoders (used by the client and by tests).
export const encode = {
  target: (levels: readonly TargetLevel[]) => packWords([LMK.TARGET, ...levels.flatMap((l) => [l.minfreePages, l.adj])]),
  procPrio: (p: ProcPrio) => packWords([LMK.PROCPRIO, p.pid, p.uid, p.adj, p.processType]),
  procRemove: (pid: number) => packWords([LMK.PROCREMOVE, pid]),
  procPurge: () => packWords([LMK.PROCPURGE]),
  getKillCount: (minAdj: number, maxAdj: number) => packWords([LMK.GETKILLCNT, minAdj, maxAdj]),
  subscribe: (kind: SubscriptionKind) => packWords([LMK.SUBSCRIBE, EVENT_OF[kind]]),
  updateProps: () => packWords([LMK.UPDATE_PROPS]),
  startMonitoring: () => packWords([LMK.START_MONITORING]),
  bootCompleted: () => packWords([LMK.BOOT_COMPLETED]),
  outcome: () => packWords([LMK.REAPD_OUTCOME]),
  procsPrio: (procs: readonly ProcPrio[]) => packWords([LMK.PROCS_PRIO, ...procs.flatMap((p) => [p.pid, p.uid, p.adj, p.processType])]),
};

// Server -> client encoders.
export const encodeReply = {
  killCount: (count: number) => packWords([LMK.GETKILLCNT, count]),
  updateProps: (ok: boolean) => packWords([LMK.UPDATE_PROPS, ok ? 0 : -1]),
  bootCompleted: (result: number) => packWords([LMK.BOOT_COMPLETED, result]),
  procKill: (pid: number, uid: number) => packWords([LMK.PROCKILL, pid, uid]),
  outcome: (o: { command: number; status: number; detail: number }) => packWords([LMK.REAPD_OUTCOME, o.command, o.status, clampInt32(o.detail)]),
  /** rank 1 is the next victim; KiB beyond int32 (2 TiB) are clamped. */
  warning: (w: WarningEvent) => packWords([LMK.REAPD_WARNING, w.pid, w.uid, w.rank, clampInt32(w.sizeKiB), clampInt32(w.headroomKiB)]),
};

/** One of the next victims in a warning (REAPD_WARNING). */
export interface WarningEvent {
  pid: number;
  /** The uid its client registered, else the process's own (as LMK_PROCKILL). */
  uid: number;
  /** 1: the next to be killed, 2: after it, … */
  rank: number;
  /** What killing it would free, KiB. */
  sizeKiB: number;
  /** The domain's distance to its kill level now, KiB (negative: past it). */
  headroomKiB: number;
}

const clampInt32 = (n: number): number => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(n)));
