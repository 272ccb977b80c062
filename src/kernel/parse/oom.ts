// /proc/PID/oom_score_adj ("500\n", −1000 … 1000) and /proc/PID/oom_score ("1001\n",
// 0 … 2000: badness scaled so 1000 is "all of memory", plus the adj).
import { encodeText, intEnd, readInt, skipSpaces, NEWLINE } from './bytes.js';

import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../../model/limits.js';

function wholeInt(bytes: Uint8Array, length: number): number | undefined {
  const end = Math.min(length, bytes.length);
  const start = skipSpaces(bytes, 0, end);
  const value = readInt(bytes, start, end);
  if (Number.isNaN(value)) return undefined;
  // Only trailing whitespace may follow.
  for (let i = intEnd; i < end; i++) {
    const c = bytes[i];
    if (c !== NEWLINE && c !== 0x20 && c !== 0x09) return undefined;
  }
  return value;
}

export function parseOomScoreAdjBytes(bytes: Uint8Array, length = bytes.length): number | undefined {
  const v = wholeInt(bytes, length);
  return v !== undefined && v >= OOM_SCORE_ADJ_MIN && v <= OOM_SCORE_ADJ_MAX ? v : undefined;
}

export function parseOomScoreBytes(bytes: Uint8Array, length = bytes.length): number | undefined {
  const v = wholeInt(bytes, length);
  return v !== undefined && v >= 0 ? v : undefined;
}

export function parseOomScoreAdj(text: string): number | undefined {
  return typeof text === 'string' ? parseOomScoreAdjBytes(encodeText(text)) : undefined;
}

export function parseOomScore(text: string): number | undefined {
  return typeof text === 'string' ? parseOomScoreBytes(encodeText(text)) : undefined;
}
