// LMK_STAT_KILL_OCCURRED (8): the byte-packed kill statistics message, as lmkd's
// statslog.cpp lmkd_pack_set_kill_occurred() lays it out. All big-endian:
//   int32 cmd (8)
//   int64 pgfault, pgmajfault, rss_in_bytes, cache_in_bytes, swap_in_bytes,
//         process_start_time_ns                      (-1 when unknown)
//   int32 uid, oom_score, min_oom_score, free_mem_kb, free_swap_kb, kill_reason,
//         thrashing, max_thrashing
//   int16 name length, then the name (<= 127 bytes) and a NUL
// At most 4 + 48 + 32 + 2 + 128 = 214 bytes (lmkd's reply buffer is 222).
import type { DecisionReason } from '../model/decision.js';
import type { KillRecord } from '../model/kill-record.js';
import { LMK, MAX_TASKNAME_BYTES, type Decoded } from './protocol.js';

export interface KillStat {
  pgfault: number;
  pgmajfault: number;
  rssBytes: number;
  cacheBytes: number;
  swapBytes: number;
  startTimeNs: number;
  uid: number;
  /** lmkd sends the victim's oom_score_adj here. */
  oomScore: number;
  /** The minimum adj of the level that applied (-1 when there was none). */
  minOomScore: number;
  freeMemKiB: number;
  freeSwapKiB: number;
  /** See KILL_REASON. */
  killReason: number;
  thrashing: number;
  maxThrashing: number;
  taskName: string;
}

/** lmkd's enum kill_reasons (statslog.h). */
export const KILL_REASON = {
  NONE: -1,
  PRESSURE_AFTER_KILL: 0,
  NOT_RESPONDING: 1,
  LOW_SWAP_AND_THRASHING: 2,
  LOW_MEM_AND_SWAP: 3,
  LOW_MEM_AND_THRASHING: 4,
  DIRECT_RECL_AND_THRASHING: 5,
  LOW_MEM_AND_SWAP_UTIL: 6,
  LOW_FILECACHE_AFTER_THRASHING: 7,
  LOW_MEM: 8,
} as const;

/** reapd's decision reasons in lmkd's terms (docs/control-socket.md). */
export function killReasonFor(reason: DecisionReason): number {
  switch (reason) {
    case 'minfree':
    case 'level':
    case 'low-memory':
    case 'memcg-limit':
    case 'low-mem':
      return KILL_REASON.LOW_MEM;
    case 'low-swap':
      return KILL_REASON.LOW_MEM_AND_SWAP;
    case 'pressure':
    case 'not-responding':
      // A critical pressure (stall) event: lmkd's "not responding" is its critical-stall kill.
      return KILL_REASON.NOT_RESPONDING;
    case 'pressure-after-kill':
      return KILL_REASON.PRESSURE_AFTER_KILL;
    case 'low-swap-and-thrashing':
      return KILL_REASON.LOW_SWAP_AND_THRASHING;
    case 'low-mem-and-swap':
      return KILL_REASON.LOW_MEM_AND_SWAP;
    case 'low-mem-and-thrashing':
      return KILL_REASON.LOW_MEM_AND_THRASHING;
    case 'direct-reclaim-and-thrashing':
      return KILL_REASON.DIRECT_RECL_AND_THRASHING;
    case 'low-mem-and-swap-util':
      return KILL_REASON.LOW_MEM_AND_SWAP_UTIL;
    case 'low-filecache-after-thrashing':
      return KILL_REASON.LOW_FILECACHE_AFTER_THRASHING;
    default:
      return KILL_REASON.NONE;
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const clamp32 = (v: number): number => Math.max(INT32_MIN, Math.min(INT32_MAX, Math.trunc(v)));
const int64 = (v: number): bigint => (Number.isFinite(v) ? BigInt(Math.trunc(v)) : -1n);

/** UTF-8 bytes of name, cut to at most 127 bytes without splitting a character. */
function nameBytes(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= MAX_TASKNAME_BYTES) return bytes;
  let end = MAX_TASKNAME_BYTES;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // back off continuation bytes
  return bytes.subarray(0, end);
}

export function encodeKillStat(s: KillStat): Uint8Array {
  const name = nameBytes(s.taskName);
  const out = new Uint8Array(4 + 6 * 8 + 8 * 4 + 2 + name.length + 1);
  const view = new DataView(out.buffer);
  let o = 0;
  view.setInt32(o, LMK.STAT_KILL_OCCURRED, false);
  o += 4;
  for (const v of [s.pgfault, s.pgmajfault, s.rssBytes, s.cacheBytes, s.swapBytes, s.startTimeNs]) {
    view.setBigInt64(o, int64(v), false);
    o += 8;
  }
  for (const v of [s.uid, s.oomScore, s.minOomScore, s.freeMemKiB, s.freeSwapKiB, s.killReason, s.thrashing, s.maxThrashing]) {
    view.setInt32(o, clamp32(v), false);
    o += 4;
  }
  view.setInt16(o, name.length, false);
  out.set(name, o + 2);
  return out; // the trailing NUL is the zero the array was created with
}

/** Decode LMK_STAT_KILL_OCCURRED. Never throws. */
export function decodeKillStat(data: Uint8Array): Decoded<KillStat> {
  const length = data.byteLength;
  const bad = (message: string): Decoded<KillStat> => ({ ok: false, error: { code: 'not-a-reply', command: LMK.STAT_KILL_OCCURRED, length, message } });
  if (length < 87) return bad(`LMK_STAT_KILL_OCCURRED of ${length} bytes is shorter than its fixed part`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getInt32(0, false) !== LMK.STAT_KILL_OCCURRED) return bad('not an LMK_STAT_KILL_OCCURRED message');
  const i64 = (k: number): number => Number(view.getBigInt64(4 + 8 * k, false));
  const i32 = (k: number): number => view.getInt32(52 + 4 * k, false);
  const nameLength = view.getInt16(84, false);
  if (nameLength < 0 || nameLength > MAX_TASKNAME_BYTES || 86 + nameLength + 1 > length) {
    return bad(`task name length ${nameLength} does not fit a ${length}-byte message`);
  }
  const taskName = new TextDecoder().decode(data.subarray(86, 86 + nameLength));
  return {
    ok: true,
    value: {
      pgfault: i64(0), pgmajfault: i64(1), rssBytes: i64(2), cacheBytes: i64(3), swapBytes: i64(4), startTimeNs: i64(5),
      uid: i32(0), oomScore: i32(1), minOomScore: i32(2), freeMemKiB: i32(3), freeSwapKiB: i32(4), killReason: i32(5),
      thrashing: i32(6), maxThrashing: i32(7), taskName,
    },
  };
}

/** Fields a caller of notifyKill may know beyond the KillRecord. */
export type KillStatExtras = Partial<Omit<KillStat, 'uid' | 'taskName'>>;

/**
 * Build the statistics message for a kill: the record's facts, the caller's extras, -1 for
 * the rest. taskName: lmkd's name read at registration (task-name.ts), else the one the
 * scan read before the kill (KillRecord.taskName), else the comm.
 * min_oom_score: the adj of the table level that applied, for a table policy's kill.
 */
export function killStatFromRecord(record: KillRecord, uid: number, adj: number, extras: KillStatExtras = {}, taskName?: string): KillStat {
  return {
    pgfault: -1,
    pgmajfault: -1,
    rssBytes: record.sizeKiB * 1024,
    cacheBytes: -1,
    swapBytes: -1,
    startTimeNs: -1,
    oomScore: adj,
    minOomScore: record.levelAdj ?? -1,
    freeMemKiB: -1,
    freeSwapKiB: -1,
    killReason: killReasonFor(record.reason),
    thrashing: -1,
    maxThrashing: -1,
    ...extras,
    uid,
    taskName: taskName ?? record.taskName ?? record.name,
  };
}
