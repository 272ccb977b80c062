// /proc/PID/oom_score as the kernel computes it, from facts a scan already holds, so that
// the oom-score policy need not read every process's oom_score at an event (issue 18).
// Linux 6.x, mm/oom_kill.c oom_badness() and fs/proc/base.c proc_oom_score():
//
//   points = get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) + mm_pgtables_bytes(mm) / PAGE_SIZE;
//   adj *= totalpages / 1000;   points += adj;        (adj -1000: LONG_MIN, shown as 0)
//   oom_score = (1000 + points * 1000 / (long)totalpages) * 2 / 3;
//   totalpages = totalram_pages() + total_swap_pages
//
// Every division is C's: integer, truncating toward zero (points is negative for a small
// process with a negative adj). The facts, in /proc's words: get_mm_rss is statm's resident
// (= status RssAnon + RssFile + RssShmem), MM_SWAPENTS status VmSwap, mm_pgtables_bytes
// status VmPTE (bytes >> 10), totalram_pages meminfo MemTotal, total_swap_pages SwapTotal.
// What a snapshot cannot see — MMF_OOM_SKIP (a reaped victim), a task in vfork, a task
// without an mm — the kernel shows as 0; the policy reads the kernel's own value for the
// processes that could win (oom-score.ts scoresUsed), so those never rank a process.

interface BadnessFacts {
  /** get_mm_rss: resident anon + file + shmem, KiB. */
  residentKiB: number;
  /** MM_SWAPENTS: swapped-out pages, KiB. */
  swapKiB: number;
  /** mm_pgtables_bytes, KiB (status VmPTE); 0 where unknown. */
  pageTablesKiB: number;
  oomScoreAdj: number;
}

/** C's signed division: truncate toward zero. */
function cdiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/**
 * oom_score for these facts. totalKiB: MemTotal + SwapTotal (the machine's, whatever the
 * domain: /proc/PID/oom_score always uses them). pageKiB: the page size, KiB. 0..2000
 * (a little more for a process holding all of RAM + swap, page tables on top).
 */
export function kernelOomScore(f: BadnessFacts, totalKiB: number, pageKiB: number): number {
  if (f.oomScoreAdj <= -1000 || pageKiB <= 0) return 0;
  const totalPages = Math.floor(totalKiB / pageKiB);
  if (totalPages <= 0) return 0;
  const pages = (kib: number): number => Math.floor(Math.max(0, kib) / pageKiB);
  const points = pages(f.residentKiB) + pages(f.swapKiB) + pages(f.pageTablesKiB) + f.oomScoreAdj * cdiv(totalPages, 1000);
  return Math.max(0, cdiv((1000 + cdiv(points * 1000, totalPages)) * 2, 3));
}

/**
 * How far a score worked out from facts read at an earlier moment may be from the
 * kernel's, in score points: what a scan serves from its last status read (page tables,
 * swap) lags what statm shows (oom-score.ts reads the kernel's value for every process
 * within this distance of the victim). One point is 1.5 thousandths of RAM + swap (36 MiB
 * at 24 GiB); page tables are about 1/512 of what they map, so a 2-point lag would need
 * tens of GiB mapped since status was last read.
 */
export const SCORE_LAG_POINTS = 2;
