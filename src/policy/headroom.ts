// How far memory is from a threshold, in KiB — each policy's `headroom` fact, which the
// ThresholdPoller turns into a sleep — and what a policy had to free at a decision (its
// `neededKiB` fact, the simulator's "needed"). Pure functions over a MemoryView. They
// only schedule reads and measure: whether to act is always the policy's needsAction().
import type { MemoryState } from '../model/snapshot.js';
import type { Headroom, MemoryView } from '../model/memory-view.js';
import type { FreeFile, Level } from './table.js';

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

/** The minfree policies (the tables, simple-lmk): the machine's table headroom, or the group's. */
export function minfreeDomainHeadroom(view: MemoryView, minfreeKiB: readonly number[]): Headroom {
  if ((view.cgroup?.limitKiB ?? null) !== null) return memcgHeadroom(view, Math.max(0, ...minfreeKiB));
  return minfreeHeadroom(view.memory, minfreeKiB);
}

/**
 * A table policy's need: enough that no level applies any more. A level applies while
 * other_free AND other_file are both below its minfree, so it takes the top minfree −
 * max(other_free, other_file).
 */
export function tableNeededKiB(levels: readonly Level[], ff: FreeFile): number {
  const top = levels.reduce((m, l) => Math.max(m, l.minfreeKiB), 0);
  return Math.max(0, top - Math.max(ff.otherFreeKiB, ff.otherFileKiB));
}
