// Byte-level helpers for the hot-path parsers. /proc text is ASCII except where a process
// name sits (comm may hold any byte but NUL, and is cut to 15 bytes even inside a
// UTF-8 sequence), so numbers are read straight from the bytes without making strings.

import { TextDecoder, TextEncoder } from 'node:util';

export const SPACE = 0x20;
export const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;

/**
 * Where the last readInt stopped. The hot-path parsers read a few dozen numbers per
 * process per scan; returning the end through this cursor instead of an object keeps
 * them allocation-free.
 */
export let intEnd = 0;

/**
 * Parse a decimal integer (optionally negative) starting exactly at `start`; the index
 * after it goes to `intEnd`. NaN unless at least one digit is there. Values past 2^53
 * lose precision (starttime and friends never get there).
 */
export function readInt(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && bytes[i] === MINUS) {
    negative = true;
    i++;
  }
  const digitsStart = i;
  let value = 0;
  while (i < end) {
    const c = bytes[i];
    if (c === undefined || c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    i++;
  }
  intEnd = i;
  if (i === digitsStart) return NaN;
  return negative ? -value : value;
}

/** Skip spaces (only ' ', the /proc field separator). */
export function skipSpaces(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && bytes[i] === SPACE) i++;
  return i;
}

/**
 * Read up to `count` space-separated integers into `out`, from `start`.
 * Returns how many were read (stops at the first field that is not an integer).
 */
export function readInts(bytes: Uint8Array, start: number, end: number, out: number[], count: number): number {
  let i = start;
  let n = 0;
  while (n < count) {
    i = skipSpaces(bytes, i, end);
    const value = readInt(bytes, i, end);
    if (Number.isNaN(value)) break;
    const stop = intEnd;
    const next = bytes[stop];
    // A field must end at a separator: "12ab" is not a number.
    if (stop < end && next !== SPACE && next !== NEWLINE) break;
    out[n++] = value;
    i = stop;
  }
  return n;
}

let decoder: TextDecoder | undefined;

/** Decode bytes as UTF-8 (invalid sequences become U+FFFD); plain ASCII skips the decoder. */
export function decodeText(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
    return s;
  }
  decoder ??= new TextDecoder('utf-8', { fatal: false });
  return decoder.decode(bytes.subarray(start, end));
}

let encoder: TextEncoder | undefined;

/** Text to UTF-8 bytes (the string-taking parsers delegate to the byte parsers). */
export function encodeText(text: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}

