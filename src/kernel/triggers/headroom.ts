// How far memory is from a threshold, in KiB — what the ThresholdPoller turns into a sleep.
// Pure functions over the MemoryView a ProcessSource reads. They only schedule the next
// read: whether to act is always the policy's needsAction() (the check below).
import type { MemoryState } from '../../model/snapshot.js';
import type { MemoryView } from '../../model/memory-view.js';
import type { ThresholdCheck } from './threshold-poller.js';

export interface Headroom {
  headroomKiB: number;
  swapHeadroomKiB?: number;
}

/**
 * oom-score / earlyoom: available memory above memPercent of total, and free swap above
 * swapPercent of swap total (no swap: no swap headroom).
 */
export function availableHeadroom(memory: MemoryState, memPercent: number, swapPercent: number): Headroom {
  const headroomKiB = memory.availableKiB - (memory.totalKiB * memPercent) / 100;
  if (memory.swapTotalKiB <= 0) return { headroomKiB };
  return { headroomKiB, swapHeadroomKiB: memory.swapFreeKiB - (memory.swapTotalKiB * swapPercent) / 100 };
}

/** A memcg domain: limit − usage − marginKiB. No limit: the machine's available memory. */
export function memcgHeadroom(view: MemoryView, marginKiB: number): Headroom {
  const cg = view.cgroup;
  if (!cg || cg.limitKiB === null) return { headroomKiB: view.memory.availableKiB - marginKiB };
  return { headroomKiB: Math.min(cg.limitKiB - cg.usageKiB, view.memory.availableKiB) - marginKiB };
}

/**
 * lowmemorykiller table (seed 002): a level applies when other_free AND other_file are
 * both below its minfree, so the highest minfree is reached when the larger of the two
 * drops below it. other_free = free − reserve; other_file = cached + buffers − shmem −
 * unevictable − swap cache (seed-systems.md §5).
 */
export function minfreeHeadroom(memory: MemoryState, minfreeKiB: readonly number[]): Headroom {
  const highest = Math.max(0, ...minfreeKiB);
  const otherFree = memory.freeKiB - memory.reserveKiB;
  const otherFile = memory.cachedKiB + memory.buffersKiB - memory.shmemKiB - memory.unevictableKiB - memory.swapCachedKiB;
  return { headroomKiB: Math.max(otherFree, otherFile) - highest };
}

export interface PolicyCheckOptions {
  readMemory(): Promise<MemoryView>;
  /** The policy's needsAction(view, params), bound by the caller. */
  needsAction(view: MemoryView): boolean;
  headroom(view: MemoryView): Headroom;
  /** TriggerEvent.level when acting (default "critical"). */
  level?: string;
  /** A short description of the memory for the event's detail. */
  describe?(view: MemoryView): string;
}

/** Build a ThresholdPoller check from a memory reader, a policy and a headroom function. */
export function policyThresholdCheck(o: PolicyCheckOptions): () => Promise<ThresholdCheck> {
  return async () => {
    const view = await o.readMemory();
    const h = o.headroom(view);
    const result: ThresholdCheck = { act: o.needsAction(view), headroomKiB: h.headroomKiB };
    if (h.swapHeadroomKiB !== undefined) result.swapHeadroomKiB = h.swapHeadroomKiB;
    if (o.level !== undefined) result.level = o.level;
    if (o.describe) result.detail = o.describe(view);
    return result;
  };
}
