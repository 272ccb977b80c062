// System memory: /proc/meminfo for the MemoryState fields, /proc/zoneinfo for the reserve.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryState } from '../../model/snapshot.js';
import { parseMeminfo } from '../parse/meminfo.js';
import { parseZoneinfoReserveKiB } from '../parse/zoneinfo.js';
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

/**
 * totalreserve_pages from zoneinfo, KiB; 0 when zoneinfo is missing (some containers
 * hide it) — the reserve then simply does not lower free memory.
 */
export function readReserveKiB(procRoot: string, pageSizeKiB: number): number {
  try {
    return parseZoneinfoReserveKiB(readFileSync(join(procRoot, 'zoneinfo'), 'utf8'), pageSizeKiB) ?? 0;
  } catch {
    return 0;
  }
}

