// The read an incremental scan does for most processes — statm, oom_score (when asked),
// then oom_score_adj, each through an fd held since an earlier scan — laid out in shared
// memory so that two threads can share it (scan-helper.ts). Both threads run readItem on
// items they claim; the main thread then takes the numbers from `results`.
//
// Item state, one Int32 per item, moved only by Atomics: PENDING (published, unclaimed)
// → CLAIMED (a thread reads it) → DONE (its results are written). A thread claims with
// compareExchange(PENDING → CLAIMED), so every item is read exactly once.
import { errorCode } from '../sys/errors.js';
import { pread } from '../sys/io.js';
import { parseOomScoreAdjBytes, parseOomScoreBytes } from '../parse/oom.js';
import { readInts } from '../parse/bytes.js';

const scratch: number[] = [];

export const PENDING = 0;
export const CLAIMED = 1;
export const DONE = 2;
/** Not part of the current job. */
export const IDLE = 3;

/** control[]: job generation (bumped to wake the helper), item count, last generation the helper finished, stop flag. */
export const C_GEN = 0;
export const C_COUNT = 1;
export const C_DONE_GEN = 2;
export const C_STOP = 3;
const CONTROL_INTS = 4;

/** jobs[]: per item, the held fds: statm (-1: not read, sizes served lazily), oom_score (-1: not read), oom_score_adj. */
export const JOB_INTS = 3;

/** results[]: per item. */
export const R_STATUS = 0;
export const R_SIZE = 1;
export const R_RESIDENT = 2;
export const R_SHARED = 3;
export const R_TEXT = 4;
export const R_DATA = 5;
export const R_SCORE = 6;
export const R_ADJ = 7;
export const RESULT_DOUBLES = 8;

/** R_SIZE when statm was not read (a lazily served size). */
export const SIZE_NOT_READ = -1;

/** R_STATUS values. */
export const ST_OK = 0;
/** ESRCH/ENOENT through a held fd: the process is gone (its pid may be someone else's now). */
export const ST_GONE = 1;
/** Anything else (unparsable text, another errno): the main thread reads it the usual way. */
const ST_ERROR = 2;

/** The shared memory of one scan helper (scan-helper.ts). */
export interface ScanHelperMemory {
  control: Int32Array;
  state: Int32Array;
  jobs: Int32Array;
  results: Float64Array;
}

export function allocateScanHelperMemory(capacity: number): ScanHelperMemory {
  const state = new Int32Array(new SharedArrayBuffer(4 * capacity));
  state.fill(IDLE);
  return {
    control: new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS)),
    state,
    jobs: new Int32Array(new SharedArrayBuffer(4 * JOB_INTS * capacity)),
    results: new Float64Array(new SharedArrayBuffer(8 * RESULT_DOUBLES * capacity)),
  };
}

function readInto(fd: number, buf: Buffer): number {
  try {
    return pread(fd, buf, buf.length, 0);
  } catch (e) {
    const code = errorCode(e);
    return code === 'ESRCH' || code === 'ENOENT' ? -1 : -2;
  }
}

/** Read item i's files into results (any thread). Never throws. */
export function readItem(m: ScanHelperMemory, i: number, buf: Buffer): void {
  const r = i * RESULT_DOUBLES;
  const j = i * JOB_INTS;
  m.results[r + R_STATUS] = readItemFiles(m, j, r, buf);
}

function readItemFiles(m: ScanHelperMemory, j: number, r: number, buf: Buffer): number {
  const res = m.results;
  const statmFd = m.jobs[j] as number;
  let n: number;
  if (statmFd < 0) res[r + R_SIZE] = SIZE_NOT_READ;
  else {
    n = readInto(statmFd, buf);
    if (n < 0) return n === -1 ? ST_GONE : ST_ERROR;
    // parseStatmBytes' rules, without building its object: thousands per scan.
    const fields = readInts(buf, 0, n, scratch, 7);
    if (fields < 3) return ST_ERROR;
    const text = fields > 3 ? (scratch[3] as number) : 0;
    const data = fields > 5 ? (scratch[5] as number) : 0;
    if ((scratch[0] as number) < 0 || (scratch[1] as number) < 0 || (scratch[2] as number) < 0 || text < 0 || data < 0) return ST_ERROR;
    res[r + R_SIZE] = scratch[0] as number;
    res[r + R_RESIDENT] = scratch[1] as number;
    res[r + R_SHARED] = scratch[2] as number;
    res[r + R_TEXT] = text;
    res[r + R_DATA] = data;
  }
  const scoreFd = m.jobs[j + 1] as number;
  if (scoreFd >= 0) {
    n = readInto(scoreFd, buf);
    if (n < 0) return n === -1 ? ST_GONE : ST_ERROR;
    res[r + R_SCORE] = parseOomScoreBytes(buf, n) ?? 0;
  }
  // Last, as in the scanner: the held oom_score_adj fd answering says the process was
  // alive after every read above (each through its own held fd anyway).
  n = readInto(m.jobs[j + 2] as number, buf);
  if (n < 0) return n === -1 ? ST_GONE : ST_ERROR;
  const adj = parseOomScoreAdjBytes(buf, n);
  if (adj === undefined) return ST_ERROR;
  res[r + R_ADJ] = adj;
  return ST_OK;
}

/**
 * Claim and read items from the top down until one is already claimed (the other thread,
 * which works from the bottom up, got there first). Returns how many this thread read.
 */
export function drainFromTop(m: ScanHelperMemory, count: number, buf: Buffer): number {
  let read = 0;
  for (let i = count - 1; i >= 0; i--) {
    if (Atomics.compareExchange(m.state, i, PENDING, CLAIMED) !== PENDING) break;
    readItem(m, i, buf);
    Atomics.store(m.state, i, DONE);
    read++;
  }
  return read;
}
