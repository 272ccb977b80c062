// A trace file -> frames, read by the snapshot format's own reader (src/model/snapshot-io.ts),
// which keeps fields it does not know — such as the recorder's "pressure" extension.
import { parseSnapshotsOrThrow } from '../../model/snapshot-io.js';
import { toFrames } from './frames.js';
import type { Trace } from './replay.js';

/** Throws SnapshotFormatError (every problem with its line) for a bad file. */
export function loadTrace(text: string, name: string, intervalMs: number): Trace {
  return { name, frames: toFrames(parseSnapshotsOrThrow(text), intervalMs) };
}
