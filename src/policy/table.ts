// The minfree/adj table shared by lowmemorykiller and lmkd (seed 002): levels, the
// other_free/other_file estimates, the level that applies, and the legacy oom_adj conversion.
import { OOM_SCORE_ADJ_MAX } from '../model/limits.js';
import { formatKiB } from '../model/units.js';
import type { LevelReport } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { limitedCgroup } from './domain.js';

export interface Level {
  /** Both other_free and other_file below this, KiB, make the level apply. */
  minfreeKiB: number;
  /** The lowest oom_score_adj that may die at this level. */
  adj: number;
}

/** "up to 6 levels" (lowmem_adj[6], lmkd's MAX_TARGETS). */
export const MAX_LEVELS = 6;

/** The seed's lowmem_minfree {3*512, 2*1024, 4*1024, 16*1024} pages of 4 KiB: 6, 8, 16, 64 MiB,
 * with lowmem_adj {0, 1, 6, 12} converted to oom_score_adj {0, 58, 352, 705}. */
export const DEFAULT_LEVELS: readonly Level[] = [
  { minfreeKiB: 6 * 1024, adj: 0 },
  { minfreeKiB: 8 * 1024, adj: 58 },
  { minfreeKiB: 16 * 1024, adj: 352 },
  { minfreeKiB: 64 * 1024, adj: 705 },
];

const OOM_ADJUST_MAX = 15;
const OOM_DISABLE = -17;

/** lowmem_oom_adj_to_oom_score_adj(): 15 -> 1000, else adj * 1000 / 17 truncated toward zero. */
export function oomAdjToScoreAdj(oomAdj: number): number {
  if (oomAdj === OOM_ADJUST_MAX) return OOM_SCORE_ADJ_MAX;
  return Math.trunc((oomAdj * OOM_SCORE_ADJ_MAX) / -OOM_DISABLE);
}

/**
 * lowmem_autodetect_oom_adj_values(): when the last level's adj is an old-style oom_adj
 * (<= 15) whose conversion is above 15, every level is converted. Returns the converted
 * table, or undefined when the table is already in oom_score_adj.
 */
export function convertLegacyLevels(levels: readonly Level[]): Level[] | undefined {
  const last = levels[levels.length - 1];
  if (!last || last.adj > OOM_ADJUST_MAX) return undefined;
  if (oomAdjToScoreAdj(last.adj) <= OOM_ADJUST_MAX) return undefined;
  return levels.map((l) => ({ minfreeKiB: l.minfreeKiB, adj: oomAdjToScoreAdj(l.adj) }));
}

/** The estimates a table policy compares with each level's minfree, KiB. */
export interface FreeFile {
  otherFreeKiB: number;
  otherFileKiB: number;
  /** How they were computed, quoting the inputs, one line each. */
  lines: string[];
}

/**
 * A cgroup domain with a limit: other_free = limit - usage (the headroom before the
 * group's own reclaim starts; a cgroup has no watermark reserve) and other_file = the
 * page cache charged to the group (0 when the kernel does not report it).
 */
function cgroupFreeFile(view: MemoryView): FreeFile | undefined {
  const cg = limitedCgroup(view.cgroup);
  if (!cg) return undefined;
  const fileKiB = cg.fileKiB ?? 0;
  return {
    otherFreeKiB: cg.limitKiB - cg.usageKiB,
    otherFileKiB: fileKiB,
    lines: [
      `other_free ${formatKiB(cg.limitKiB - cg.usageKiB)} = limit ${formatKiB(cg.limitKiB)} - usage ${formatKiB(cg.usageKiB)} (cgroup ${cg.path})`,
      `other_file ${formatKiB(fileKiB)} = page cache charged to the cgroup` + (cg.fileKiB === undefined ? ' (not reported: 0)' : ''),
    ],
  };
}

/**
 * lowmem_scan(): other_free = NR_FREE_PAGES - totalreserve_pages; other_file =
 * NR_FILE_PAGES - NR_SHMEM - NR_UNEVICTABLE - swapcache. In /proc/meminfo terms
 * NR_FILE_PAGES = Cached + Buffers + SwapCached (meminfo's Cached already excludes the
 * swap cache), so other_file = Cached + Buffers - Shmem - Unevictable.
 */
export function lowmemFreeFile(view: MemoryView): FreeFile {
  const cg = cgroupFreeFile(view);
  if (cg) return cg;
  const m = view.memory;
  const otherFreeKiB = m.freeKiB - m.reserveKiB;
  const otherFileKiB = m.cachedKiB + m.buffersKiB - m.shmemKiB - m.unevictableKiB;
  return {
    otherFreeKiB,
    otherFileKiB,
    lines: [
      `other_free ${formatKiB(otherFreeKiB)} = free ${formatKiB(m.freeKiB)} - reserve ${formatKiB(m.reserveKiB)}`,
      `other_file ${formatKiB(otherFileKiB)} = cached ${formatKiB(m.cachedKiB)} + buffers ${formatKiB(m.buffersKiB)}` +
        ` - shmem ${formatKiB(m.shmemKiB)} - unevictable ${formatKiB(m.unevictableKiB)}`,
    ],
  };
}

/**
 * lmkd's mp_event() (seed 002): other_free = nr_free_pages - totalreserve_pages;
 * other_file = nr_file_pages - nr_shmem, i.e. Cached + Buffers + SwapCached - Shmem.
 * (The seed's lmkd subtracts neither unevictable pages nor the swap cache.)
 */
export function lmkdFreeFile(view: MemoryView): FreeFile {
  const cg = cgroupFreeFile(view);
  if (cg) return cg;
  const m = view.memory;
  const otherFreeKiB = m.freeKiB - m.reserveKiB;
  const otherFileKiB = m.cachedKiB + m.buffersKiB + m.swapCachedKiB - m.shmemKiB;
  return {
    otherFreeKiB,
    otherFileKiB,
    lines: [
      `other_free ${formatKiB(otherFreeKiB)} = free ${formatKiB(m.freeKiB)} - reserve ${formatKiB(m.reserveKiB)}`,
      `other_file ${formatKiB(otherFileKiB)} = cached ${formatKiB(m.cachedKiB)} + buffers ${formatKiB(m.buffersKiB)}` +
        ` + swap cache ${formatKiB(m.swapCachedKiB)} - shmem ${formatKiB(m.shmemKiB)}`,
    ],
  };
}

export interface AppliedLevel {
  /** 0-based position in the table. */
  index: number;
  level: Level;
}

/** The first level (lowest minfree) with other_free < minfree AND other_file < minfree. */
export function applyingLevel(levels: readonly Level[], otherFreeKiB: number, otherFileKiB: number): AppliedLevel | undefined {
  for (let index = 0; index < levels.length; index++) {
    const level = levels[index] as Level;
    if (otherFreeKiB < level.minfreeKiB && otherFileKiB < level.minfreeKiB) return { index, level };
  }
  return undefined;
}

export function levelReports(levels: readonly Level[], ff: FreeFile): LevelReport[] {
  const applied = applyingLevel(levels, ff.otherFreeKiB, ff.otherFileKiB);
  return levels.map((l, i) => ({
    minfreeKiB: l.minfreeKiB,
    adj: l.adj,
    freeBelow: ff.otherFreeKiB < l.minfreeKiB,
    fileBelow: ff.otherFileKiB < l.minfreeKiB,
    applies: applied?.index === i,
  }));
}

export function describeLevels(levels: readonly Level[]): string {
  return levels.map((l) => `${formatKiB(l.minfreeKiB)}:${l.adj}`).join(', ');
}
