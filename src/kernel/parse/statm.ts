// /proc/PID/statm, in pages: "size resident shared text lib data dt".
// A real line (a 64 MiB hog): "17003 16746 337 1 0 16473 0".
// shared counts file-backed and shmem resident pages (RssFile + RssShmem), so
// resident − shared is RssAnon exactly (kernel-interfaces §4.1). Kernel threads and
// zombies read all zeros.
import { encodeText, readInts } from './bytes.js';

export interface ProcStatm {
  sizePages: number;
  residentPages: number;
  /** RssFile + RssShmem, pages. */
  sharedPages: number;
  textPages: number;
  dataPages: number;
}

const scratch: number[] = [];

/** Parse statm from the first `length` bytes. Total: a record or undefined. */
export function parseStatmBytes(bytes: Uint8Array, length = bytes.length): ProcStatm | undefined {
  const end = Math.min(length, bytes.length);
  const n = readInts(bytes, 0, end, scratch, 7);
  if (n < 3) return undefined;
  const size = scratch[0] as number;
  const resident = scratch[1] as number;
  const shared = scratch[2] as number;
  // Older or truncated text may stop after three fields; never reuse a previous parse's values.
  const text = n > 3 ? (scratch[3] as number) : 0;
  const data = n > 5 ? (scratch[5] as number) : 0;
  if (size < 0 || resident < 0 || shared < 0 || text < 0 || data < 0) return undefined;
  return { sizePages: size, residentPages: resident, sharedPages: shared, textPages: text, dataPages: data };
}

export function parseStatm(text: string): ProcStatm | undefined {
  if (typeof text !== 'string') return undefined;
  return parseStatmBytes(encodeText(text));
}

/** Resident anonymous pages: resident − shared, never negative (the two are read at slightly different times). */
export function anonPages(s: ProcStatm): number {
  return Math.max(0, s.residentPages - s.sharedPages);
}
