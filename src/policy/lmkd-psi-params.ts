// lmkd's properties for its PSI strategy, under lmkd's names (ro.lmk.<name>), with lmkd's
// defaults for a device that is not ro.config.low_ram. Where each default came from:
// AOSP system/memory/lmkd/lmkd.cpp — the DEF_* macros and the property reads in
// update_props(): thrashing_limit DEF_THRASHING 100 (low-RAM 30), thrashing_limit_decay
// DEF_THRASHING_DECAY 10 (low-RAM 50), thrashing_limit_critical = thrashing_limit * 2,
// swap_free_low_percentage DEF_LOW_SWAP 10 (Android 11's lmkd.c had 20), psi_partial_stall_ms
// DEF_PARTIAL_STALL 70 (low-RAM 200), psi_complete_stall_ms DEF_COMPLETE_STALL 700,
// swap_util_max 100 (100 = off), filecache_min_kb 0 (off), stall_limit_critical 100 (PSI full
// avg10 > 100 % never holds: off), lowmem_min_oom_score PREVIOUS_APP_ADJ + 1 = 701 (Android 15's
// lmkd.cpp; 1001 turns the LOW_MEM reason off). PERCEPTIBLE_APP_ADJ 200 is ActivityManager's constant
// (ProcessList.java), not a property; reapd makes it a parameter because a desktop, where
// every process sits at adj 0, has no "perceptible" tier to spare.

export interface LmkdPsiParams {
  /** ro.lmk.psi_partial_stall_ms: PSI "some" stall per 1 s window that raises a medium event, ms. */
  psiPartialStallMs: number;
  /** ro.lmk.psi_complete_stall_ms: PSI "full" stall per 1 s window that raises a critical event, ms. */
  psiCompleteStallMs: number;
  /** ro.lmk.thrashing_limit: refaults in one window as a % of the file LRU that count as thrashing. */
  thrashingLimitPct: number;
  /** ro.lmk.thrashing_limit_decay: % the limit drops after each kill for thrashing. */
  thrashingLimitDecayPct: number;
  /** ro.lmk.thrashing_limit_critical: thrashing at which the perceptible guard falls. */
  thrashingLimitCriticalPct: number;
  /** ro.lmk.swap_free_low_percentage: swap is low below this % of SwapTotal free (0: never). */
  swapFreeLowPct: number;
  /** ro.lmk.swap_util_max: swapped share of anon memory that, with low memory, is a reason (100: off). */
  swapUtilMaxPct: number;
  /** ro.lmk.filecache_min_kb: after thrashing, keep killing while the file LRU is below this, KiB (0: off). */
  filecacheMinKiB: number;
  /** ro.lmk.stall_limit_critical: PSI full avg10 above this % lets adj 0 die for any reason. */
  stallLimitCriticalPct: number;
  /** PERCEPTIBLE_APP_ADJ: most reasons spare adj <= this unless memory is at min or thrashing is critical. */
  perceptibleAdj: number;
  /**
   * ro.lmk.lowmem_min_oom_score: when no other reason holds and free memory is below the
   * low watermark, kill at adj >= this (lmkd's LOW_MEM, code 8); above 1000: off. lmkd
   * never lets it below PERCEPTIBLE_APP_ADJ + 1; neither does reapd (perceptibleAdj + 1).
   */
  lowmemMinOomScore: number;
  /**
   * reapd's backstop, not an lmkd property: between PSI events the domain also polls
   * MemAvailable, and below this % of RAM — with swap low or absent — kills for low-mem
   * without waiting for an event. Without swap a fast leak can exhaust memory before any
   * PSI window fills, and the kernel's OOM killer acts first (measured in the VM tier).
   * 0: off (lmkd's behaviour).
   */
  availableLowPct: number;
}

export const LMKD_PSI_DEFAULTS: Readonly<LmkdPsiParams> = {
  psiPartialStallMs: 70,
  psiCompleteStallMs: 700,
  thrashingLimitPct: 100,
  thrashingLimitDecayPct: 10,
  thrashingLimitCriticalPct: 200,
  swapFreeLowPct: 10,
  swapUtilMaxPct: 100,
  filecacheMinKiB: 0,
  stallLimitCriticalPct: 100,
  perceptibleAdj: 200,
  lowmemMinOomScore: 701,
  availableLowPct: 0,
};

/** lmkd's PSI_WINDOW_SIZE_MS: both triggers measure their stall over 1 s. */
export const LMKD_PSI_WINDOW_MS = 1000;
/**
 * lmkd's PSI_POLL_PERIOD_LONG_MS: after an event it re-assesses memory this often for one
 * window (PSI_POLL_PERIOD_SHORT_MS, 10 ms, while swap is low or a kill is under way: not
 * modelled — reapd waits for its victim's exit on the pidfd instead).
 */
export const LMKD_PSI_POLL_MS = 100;

/** The properties as text, by lmkd's name, for logs and explain. */
export function describePsiParams(p: LmkdPsiParams): string {
  return (
    `psi_partial_stall_ms ${p.psiPartialStallMs}, psi_complete_stall_ms ${p.psiCompleteStallMs}, thrashing_limit ${p.thrashingLimitPct}%, ` +
    `thrashing_limit_decay ${p.thrashingLimitDecayPct}%, thrashing_limit_critical ${p.thrashingLimitCriticalPct}%, ` +
    `swap_free_low_percentage ${p.swapFreeLowPct}%, swap_util_max ${p.swapUtilMaxPct}%, filecache_min_kb ${p.filecacheMinKiB}, ` +
    `stall_limit_critical ${p.stallLimitCriticalPct}%, lowmem_min_oom_score ${p.lowmemMinOomScore}, perceptible adj ${p.perceptibleAdj}` +
    (p.availableLowPct > 0 ? `, available_low_percentage ${p.availableLowPct}% (polled between events)` : '')
  );
}
