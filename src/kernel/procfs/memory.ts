// System memory: /proc/meminfo for the MemoryState fields, /proc/zoneinfo for the reserve
// and the watermarks, /proc/vmstat for refaults and reclaim, zram's mm_stat for what
// swapped pages cost.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryState, VmCounters, Watermarks, ZramState } from '../../model/snapshot.js';
import { parseMeminfo } from '../parse/meminfo.js';
import { parseVmstat } from '../parse/vmstat.js';
import { parseZoneinfoReserveKiB, parseZoneWatermarksKiB } from '../parse/zoneinfo.js';
import { parseSwaps, parseZramMmStat, zramName } from '../parse/zram.js';
import { ProcfsError } from './errors.js';

export function readMeminfo(procRoot: string): Omit<MemoryState, 'reserveKiB'> {
  let text: string;
  try {
    text = readFileSync(join(procRoot, 'meminfo'), 'utf8');
  } catch (e) {
    throw new ProcfsError('REAPD_MEMINFO_UNREADABLE', `cannot read ${join(procRoot, 'meminfo')}: ${(e as Error).message}`);
  }
  const m = parseMeminfo(text);
  if (!m) throw new ProcfsError('REAPD_MEMINFO_UNREADABLE', `${join(procRoot, 'meminfo')} lacks a field reapd needs (MemAvailable needs Linux ≥ 3.14)`);
  return m;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The reserve and lmkd's summed watermarks from one read of zoneinfo; reserve 0 without it. */
export function readZoneFacts(procRoot: string, pageSizeKiB: number): { reserveKiB: number; watermarks?: Watermarks } {
  const text = readText(join(procRoot, 'zoneinfo'));
  if (text === undefined) return { reserveKiB: 0 };
  const watermarks = parseZoneWatermarksKiB(text, pageSizeKiB);
  const reserveKiB = parseZoneinfoReserveKiB(text, pageSizeKiB) ?? 0;
  return watermarks ? { reserveKiB, watermarks } : { reserveKiB };
}

/** /proc/vmstat's refault, reclaim and file LRU counters; undefined when unreadable (a container may hide it). */
export function readVmstat(procRoot: string, pageSizeKiB: number): VmCounters | undefined {
  const text = readText(join(procRoot, 'vmstat'));
  return text === undefined ? undefined : parseVmstat(text, pageSizeKiB);
}

/**
 * The zram devices in use as swap (/proc/swaps), their mm_stat summed; undefined when no
 * swap is on zram or a device's mm_stat is unreadable (then swapped pages count in full).
 */
export function readZramSwap(procRoot: string, sysRoot: string): ZramState | undefined {
  const names = parseSwaps(readText(join(procRoot, 'swaps')) ?? '').map(zramName);
  if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
  const sum: ZramState = { origDataKiB: 0, memUsedKiB: 0 };
  for (const name of names) {
    const z = parseZramMmStat(readText(join(sysRoot, 'block', name as string, 'mm_stat')) ?? '');
    if (!z) return undefined;
    sum.origDataKiB += z.origDataKiB;
    sum.memUsedKiB += z.memUsedKiB;
  }
  return sum;
}

