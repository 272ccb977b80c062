// The limits on reapd's own memory cgroup (cgroup-home.ts) that keep its memory resident,
// applied and read back:
// - cgroup2: memory.swap.max = 0 — the kernel refuses to swap out any page charged to
//   the group (the swap charge fails, so reclaim leaves its anon pages alone); memory.min —
//   below it the group's pages are not reclaimed at all (file pages too: the code reapd
//   did not lock). memory.min is bounded by every ancestor's (the kernel distributes a
//   parent's protection among its children), so an ancestor with less voids it: reported.
// - cgroup v1: no per-group swap switch and no memory.min. memory.swappiness = 0 stops
//   the kernel from scanning the group's anon pages while page cache is left (mm/vmscan.c
//   get_scan_count: swappiness 0 gives anon no share), but global reclaim still swaps
//   them when page cache is nearly gone ("file_is_tiny"); memory.soft_limit_in_bytes left
//   unlimited keeps soft-limit reclaim (which picks groups over their soft limit first) off it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorCode } from '../sys/errors.js';
import { groupDir, type CgroupHome } from './cgroup-home.js';

type GuardStepName = 'no-swap' | 'memory-min';

export interface GuardStep {
  step: GuardStepName;
  status: 'done' | 'partial' | 'failed';
  errno?: string;
  message: string;
  warning?: string;
  details?: Record<string, unknown>;
}

/** What is in force on a group now (doctor, the start log, tests). */
export interface GuardState {
  hierarchy: CgroupHome['hierarchy'];
  group: string;
  /** cgroup2 memory.swap.max: bytes, null for "max", undefined without the file (no swap accounting). */
  swapMaxBytes?: number | null;
  memoryMinBytes?: number;
  /** The smallest memory.min among the ancestors below the root, when below the group's own. */
  boundBy?: { group: string; memoryMinBytes: number };
  /** v1 memory.swappiness. */
  swappiness?: number;
  /** v1 memory.soft_limit_in_bytes (null: unlimited). */
  softLimitBytes?: number | null;
  currentBytes?: number;
}

/** 64 MiB before the warm-up measures the working set (issue 18's RSS goal for the whole daemon). */
export const INITIAL_MEMORY_MIN_BYTES = 64 * 1024 * 1024;
/** v1's "unlimited" soft limit: PAGE_COUNTER_MAX pages, rounded to pages (9223372036854771712 on x86_64). */
const V1_UNLIMITED = 2 ** 62;

function read(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function bytes(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'max') return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return n >= V1_UNLIMITED ? null : n;
}

const mib = (b: number): string => `${Math.round((b / 1048576) * 10) / 10} MiB`;

/** The smallest memory.min of the ancestors strictly between the root and `home`. */
function ancestorBound(home: Pick<CgroupHome, 'mount' | 'mountRoot' | 'path'>): GuardState['boundBy'] {
  let bound: GuardState['boundBy'];
  for (let p = dirname(home.path); p !== '/' && p !== home.mountRoot && p !== '.'; p = dirname(p)) {
    const min = bytes(read(groupDir(home, p), 'memory.min'));
    if (typeof min === 'number' && (bound === undefined || min < bound.memoryMinBytes)) bound = { group: p, memoryMinBytes: min };
  }
  return bound;
}

export function readGuard(home: Pick<CgroupHome, 'hierarchy' | 'mount' | 'mountRoot' | 'path'>): GuardState {
  const dir = groupDir(home, home.path);
  const state: GuardState = { hierarchy: home.hierarchy, group: home.path };
  const current = bytes(read(dir, home.hierarchy === 'cgroup2' ? 'memory.current' : 'memory.usage_in_bytes'));
  if (typeof current === 'number') state.currentBytes = current;
  if (home.hierarchy === 'cgroup2') {
    const swapMax = bytes(read(dir, 'memory.swap.max'));
    if (swapMax !== undefined) state.swapMaxBytes = swapMax;
    const min = bytes(read(dir, 'memory.min'));
    if (typeof min === 'number') state.memoryMinBytes = min;
    const bound = ancestorBound(home);
    if (bound && min !== undefined && min !== null && bound.memoryMinBytes < min) state.boundBy = bound;
  } else {
    const swappiness = Number(read(dir, 'memory.swappiness'));
    if (Number.isInteger(swappiness)) state.swappiness = swappiness;
    const soft = bytes(read(dir, 'memory.soft_limit_in_bytes'));
    if (soft !== undefined) state.softLimitBytes = soft;
  }
  return state;
}

function write(dir: string, file: string, value: string): string | undefined {
  try {
    writeFileSync(join(dir, file), value);
    return undefined;
  } catch (e) {
    return errorCode(e) ?? 'EIO';
  }
}

function swapOffV2(home: CgroupHome): GuardStep {
  const before = bytes(read(home.dir, 'memory.swap.max'));
  if (before === undefined) {
    return {
      step: 'no-swap', status: 'failed', message: `${home.path} has no memory.swap.max: the kernel does not account swap per group (swapaccount=0?)`,
      warning: 'reapd\'s memory can be swapped out under pressure: boot without swapaccount=0 (cgroup2 accounts swap by default)',
    };
  }
  const errno = before === 0 ? undefined : write(home.dir, 'memory.swap.max', '0');
  if (errno) {
    return {
      step: 'no-swap', status: 'failed', errno, message: `cannot write memory.swap.max of ${home.path}: ${errno}`,
      warning: 'reapd\'s memory can be swapped out under pressure: set MemorySwapMax=0 on its unit (contrib/systemd/reapd.service)',
    };
  }
  const was = before === 0 ? 'already 0' : `was ${before === null ? 'max' : before}${home.created ? '' : '; add MemorySwapMax=0 to its unit, a service manager may rewrite it'}`;
  return { step: 'no-swap', status: 'done', message: `memory.swap.max = 0 on ${home.path} (${was}): none of reapd's memory can be swapped out`, details: { swapMaxBytes: 0 } };
}

/** memory.min up to `wantBytes` (never lowered: a MemoryMin= of the unit stays). */
export function protectMinimum(home: CgroupHome, wantBytes: number): GuardStep {
  if (home.hierarchy === 'cgroup-v1') {
    return {
      step: 'memory-min', status: 'failed',
      message: 'cgroup v1 has no memory.min (nor memory.low): reapd\'s page cache and unlocked code pages can be reclaimed',
      warning: 'only the locked code pages (step mlock-code) are safe from reclaim; on a cgroup2 host reapd sets memory.min',
      details: { softLimitBytes: readGuard(home).softLimitBytes ?? null },
    };
  }
  const before = bytes(read(home.dir, 'memory.min'));
  const want = Math.ceil(wantBytes / 1048576) * 1048576;
  const errno = typeof before === 'number' && before >= want ? undefined : write(home.dir, 'memory.min', String(want));
  if (errno) {
    return {
      step: 'memory-min', status: 'failed', errno, message: `cannot write memory.min of ${home.path}: ${errno}`,
      warning: 'reapd\'s pages can be reclaimed under pressure: set MemoryMin= on its unit (contrib/systemd/reapd.service)',
    };
  }
  const state = readGuard(home);
  const min = state.memoryMinBytes ?? want;
  const details = { memoryMinBytes: min, currentBytes: state.currentBytes, boundBy: state.boundBy };
  if (state.boundBy) {
    return {
      step: 'memory-min', status: 'partial', details,
      message: `memory.min = ${mib(min)} on ${home.path}, but ${state.boundBy.group} has memory.min ${mib(state.boundBy.memoryMinBytes)}, which bounds it`,
      warning: `give ${state.boundBy.group} a memory.min of at least ${mib(min)} (systemd: MemoryMin= or DefaultMemoryMin= on the slice)`,
    };
  }
  const kept = typeof before === 'number' && before >= want ? ' (already at least that)' : '';
  return { step: 'memory-min', status: 'done', message: `memory.min = ${mib(min)} on ${home.path}${kept}: reclaim leaves that much of reapd's memory alone`, details };
}

function swapOffV1(home: CgroupHome, swapTotalKiB: number): GuardStep {
  const errno = write(home.dir, 'memory.swappiness', '0');
  if (errno) {
    return {
      step: 'no-swap', status: 'failed', errno, message: `cannot write memory.swappiness of ${home.path}: ${errno}`,
      warning: 'reapd\'s memory is swapped out as readily as any process\'s',
    };
  }
  if (swapTotalKiB === 0) {
    return { step: 'no-swap', status: 'done', message: `memory.swappiness = 0 on ${home.path}; this machine has no swap, so nothing of reapd's can be swapped out`, details: { swappiness: 0, swapTotalKiB } };
  }
  return {
    step: 'no-swap', status: 'partial', details: { swappiness: 0, swapTotalKiB },
    message: `memory.swappiness = 0 on ${home.path}: its memory is not swapped for page cache, but cgroup v1 has no per-group swap limit`,
    warning: 'under global reclaim with page cache nearly gone the kernel still swaps reapd\'s memory; a cgroup2 host (memory.swap.max = 0) or no swap closes this',
  };
}

/** Apply the limits that keep reapd resident on its home group. */
export function guardHome(home: CgroupHome, o: { swapTotalKiB: number; memoryMinBytes?: number }): GuardStep[] {
  const noSwap = home.hierarchy === 'cgroup2' ? swapOffV2(home) : swapOffV1(home, o.swapTotalKiB);
  return [noSwap, protectMinimum(home, o.memoryMinBytes ?? INITIAL_MEMORY_MIN_BYTES)];
}
