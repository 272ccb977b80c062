// The whole machine's processes (/proc's numeric entries) and the time since boot.
import { readdirSync } from 'node:fs';
import type { ReadBuffer } from './read-buffer.js';

/** Every numeric entry of procRoot: the thread-group ids (threads are not listed). */
export function listProcPids(procRoot: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 0x31 || c > 0x39) continue;
    const pid = Number(name);
    if (Number.isSafeInteger(pid)) out.push(pid);
  }
  return out;
}

/** Seconds since boot (/proc/uptime), or undefined when unreadable. */
export function readUptimeS(buf: ReadBuffer, procRoot: string): number | undefined {
  const n = buf.readPath(`${procRoot}/uptime`);
  if (n <= 0) return undefined;
  const v = Number.parseFloat(buf.text(n));
  return Number.isFinite(v) ? v : undefined;
}
