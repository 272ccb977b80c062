// /proc/PID/stat: one line, "pid (comm) state ppid pgrp session tty_nr tpgid flags …".
// A real line from a process whose executable is named "a) Z (b":
//   7982 (a) Z (b) S 7972 7966 2708 0 -1 4194304 122 0 0 0 0 0 0 0 20 0 1 0 46669 2990080 406 …
// comm (≤ 15 bytes, 64 for kernel workers) is printed raw: it may hold spaces, parentheses,
// newlines and cut UTF-8, so it is the text between the first '(' and the LAST ')'.
// Fields after the ')' are counted from 3 (state) as in proc(5).
import { decodeText, encodeText, intEnd, readInt, SPACE } from './bytes.js';

/** PF_KTHREAD (include/linux/sched.h): a kernel thread, never a victim. */
export const PF_KTHREAD = 0x00200000;
/** PF_EXITING: the task is in do_exit(); the kernel OOM killer skips such tasks too. */
export const PF_EXITING = 0x00000004;

export interface ProcStat {
  pid: number;
  comm: string;
  /** One letter: R S D Z T t X I (W, x, K, P on older kernels). */
  state: string;
  ppid: number;
  /** The task flags word (field 9), PF_*. */
  flags: number;
  numThreads: number;
  /** Field 22, clock ticks since boot: with the pid, the identity of a process. */
  startTime: number;
  /** Field 24, resident pages. */
  rssPages: number;
  kernelThread: boolean;
  /** PF_EXITING set, or state Z (zombie) / X (dead). */
  exiting: boolean;
}

const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

// Indexes of the fields we keep, counted from state = 0 (proc(5) field number − 3).
const F_PPID = 1;
const F_FLAGS = 6;
const F_NUM_THREADS = 17;
const F_START_TIME = 19;
const F_RSS = 21;
const LAST_FIELD = F_RSS;

function lastIndexOfByte(bytes: Uint8Array, value: number, end: number): number {
  for (let i = end - 1; i >= 0; i--) if (bytes[i] === value) return i;
  return -1;
}

function indexOfByte(bytes: Uint8Array, value: number, end: number): number {
  for (let i = 0; i < end; i++) if (bytes[i] === value) return i;
  return -1;
}

/**
 * Parse /proc/PID/stat from bytes (the scanner's reused read buffer): the first
 * `length` bytes of `bytes`. Total: a record or undefined, never throws.
 */
export function parseProcStatBytes(bytes: Uint8Array, length = bytes.length): ProcStat | undefined {
  const end = Math.min(length, bytes.length);
  const open = indexOfByte(bytes, OPEN_PAREN, end);
  const close = lastIndexOfByte(bytes, CLOSE_PAREN, end);
  if (open < 1 || close < open) return undefined;
  const pid = readInt(bytes, 0, open);
  if (!(pid >= 0) || intEnd !== open - 1 || bytes[open - 1] !== SPACE) return undefined;
  // After ") " comes the state letter, then numeric fields.
  let i = close + 1;
  if (bytes[i] !== SPACE) return undefined;
  i++;
  const stateByte = bytes[i];
  if (stateByte === undefined || stateByte <= SPACE || stateByte >= 0x7f) return undefined;
  const state = String.fromCharCode(stateByte);
  i++;
  let ppid = 0;
  let flags = 0;
  let numThreads = 0;
  let startTime = 0;
  let rssPages = 0;
  for (let f = 1; f <= LAST_FIELD; f++) {
    if (bytes[i] !== SPACE) return undefined;
    const value = readInt(bytes, i + 1, end);
    if (Number.isNaN(value)) return undefined;
    i = intEnd;
    if (f === F_PPID) ppid = value;
    else if (f === F_FLAGS) flags = value;
    else if (f === F_NUM_THREADS) numThreads = value;
    else if (f === F_START_TIME) startTime = value;
    else if (f === F_RSS) rssPages = value;
  }
  if (flags < 0) return undefined;
  return {
    pid,
    comm: decodeText(bytes, open + 1, close),
    state,
    ppid,
    flags,
    numThreads,
    startTime,
    rssPages,
    kernelThread: (flags & PF_KTHREAD) !== 0,
    exiting: (flags & PF_EXITING) !== 0 || state === 'Z' || state === 'X',
  };
}

/** Parse /proc/PID/stat text. Total: a record or undefined. */
export function parseProcStat(text: string): ProcStat | undefined {
  if (typeof text !== 'string') return undefined;
  return parseProcStatBytes(encodeText(text));
}
