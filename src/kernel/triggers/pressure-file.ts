// Reading PSI files (/proc/pressure/memory, a cgroup2 group's memory.pressure) safely.
//
// kernel-interfaces §1.6: reading a pressure file less than one jiffy (4 ms here, HZ=250)
// after the previous read of the same group makes collect_percpu_times() weight the new
// stall by nsecs_to_jiffies(...) == 0, silently losing it for every reader of the group and
// for every unprivileged trigger. So reads of one group are spaced at least
// MIN_PRESSURE_READ_INTERVAL_MS apart: a read that comes too early waits for the gap.
//
// A file looks like (6.18):
//   some avg10=0.00 avg60=0.00 avg300=0.00 total=123456
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=120001
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../clock.js';

/** Never read one group's pressure files more often than this (§1.6: > 1 jiffy, with margin). */
export const MIN_PRESSURE_READ_INTERVAL_MS = 10;

interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, µs. */
  totalUs: number;
}

interface Pressure {
  some: PressureLine;
  /** Absent for /proc/pressure/cpu on old kernels. */
  full?: PressureLine;
}

function parseLine(line: string): PressureLine | undefined {
  const fields = new Map<string, number>();
  for (const part of line.trim().split(/\s+/).slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), Number(part.slice(eq + 1)));
  }
  const totalUs = fields.get('total');
  if (totalUs === undefined || !Number.isFinite(totalUs)) return undefined;
  return {
    avg10: fields.get('avg10') ?? 0,
    avg60: fields.get('avg60') ?? 0,
    avg300: fields.get('avg300') ?? 0,
    totalUs,
  };
}

/** Parse a pressure file's text. Total: returns undefined for text without a `some` line. */
export function parsePressure(text: string): Pressure | undefined {
  let some: PressureLine | undefined;
  let full: PressureLine | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('some ')) some = parseLine(line);
    else if (line.startsWith('full ')) full = parseLine(line);
  }
  if (!some) return undefined;
  return full ? { some, full } : { some };
}

/** The group a pressure file belongs to: every file of one group shares its aggregator. */
function groupKey(path: string): string {
  return dirname(path);
}

const lastReadMs = new Map<string, number>();

function readNow(path: string): Pressure {
  lastReadMs.set(groupKey(path), systemClock.nowMs());
  const parsed = parsePressure(readFileSync(path, 'utf8'));
  if (!parsed) throw new Error(`unexpected pressure file format in ${path}`);
  return parsed;
}

/** Milliseconds to wait before the group of `path` may be read again (0: now). */
export function pressureReadDelayMs(path: string): number {
  const last = lastReadMs.get(groupKey(path));
  if (last === undefined) return 0;
  return Math.max(0, MIN_PRESSURE_READ_INTERVAL_MS - (systemClock.nowMs() - last));
}

/** Read a pressure file, waiting first if the group was read less than 10 ms ago. */
export async function readPressure(path: string): Promise<Pressure> {
  const delayMs = pressureReadDelayMs(path);
  if (delayMs > 0) await sleep(Math.ceil(delayMs));
  return readNow(path);
}

/**
 * Synchronous read for arming a trigger: returns undefined instead of reading when the
 * group was read less than 10 ms ago (callers then treat the baseline as unknown).
 */
export function readPressureIfAllowed(path: string): Pressure | undefined {
  if (pressureReadDelayMs(path) > 0) return undefined;
  return readNow(path);
}
