// Small builders for policy tests: processes, memory and snapshots with sizes in MiB.
import type { MemoryState, ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import { NO_RULES, type PolicyContext, type ProtectionRules } from '../../src/policy/types.js';

export const MiB = 1024;
export const GiB = 1024 * 1024;

/** A plain user process: adj 0, 1 MiB anon, running; override what the test is about. */
export function proc(pid: number, over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    name: `p${pid}`,
    state: 'S',
    kernelThread: false,
    exiting: false,
    uid: 1000,
    startTime: 1000 + pid,
    oomScoreAdj: 0,
    rssAnonKiB: MiB,
    rssFileKiB: 0,
    rssShmemKiB: 0,
    swapKiB: 0,
    ...over,
  };
}

/** A process of `mib` MiB (all anon) at `adj`. */
export function sized(pid: number, adj: number, mib: number, over: Partial<ProcessInfo> = {}): ProcessInfo {
  return proc(pid, { oomScoreAdj: adj, rssAnonKiB: mib * MiB, ...over });
}

/** Plenty of everything unless overridden: 8 GiB, half available, no swap. */
export function memory(over: Partial<MemoryState> = {}): MemoryState {
  return {
    totalKiB: 8 * GiB,
    freeKiB: 4 * GiB,
    availableKiB: 4 * GiB,
    cachedKiB: 1 * GiB,
    buffersKiB: 0,
    shmemKiB: 0,
    unevictableKiB: 0,
    swapCachedKiB: 0,
    swapTotalKiB: 0,
    swapFreeKiB: 0,
    reserveKiB: 0,
    ...over,
  };
}

/** Memory so low that every level of the default table applies (1 MiB free, 1 MiB file). */
export function lowMemory(over: Partial<MemoryState> = {}): MemoryState {
  return memory({ freeKiB: MiB, availableKiB: 2 * MiB, cachedKiB: MiB, ...over });
}

export function snap(processes: ProcessInfo[], mem: MemoryState = memory(), extra: Partial<Snapshot> = {}): Snapshot {
  return { version: 1, memory: mem, processes, ...extra };
}

export function ctx(over: Partial<PolicyContext> = {}): PolicyContext {
  return { nowMs: 0, rules: NO_RULES, ...over };
}

export function rules(over: Partial<ProtectionRules>): ProtectionRules {
  return { ...NO_RULES, ...over };
}

/** Deterministic shuffle (a seeded LCG), so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export const pids = (xs: readonly { pid: number }[]): number[] => xs.map((x) => x.pid);
