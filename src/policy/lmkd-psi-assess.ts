// lmkd's modern strategy (AOSP system/memory/lmkd, mp_event_psi), the "whether and why"
// half: at each pressure event, which named kill reason applies, the lowest adj that may
// die for it, and the counters lmkd carries from one event to the next — as a value, not
// as function statics. The "whom" half is lmkd-psi.ts.
//
// Signals (all from the memory view the source read at the event):
//   free memory against the zone watermarks  (MemFree - CmaFree vs Σ zone min/low/high + reserve)
//   swap left                                 (SwapFree < SwapTotal × swap_free_low_percentage %)
//   thrashing                                 (workingset_refault_file growth × 100 ÷ (file LRU + 1),
//                                              per 1 s window, plus the decayed carry of earlier windows)
//   reclaim                                   (pgscan_direct moved: direct; pgscan_kswapd moved: kswapd)
//   swap utilisation                          (swapped ÷ (anon + shmem + swapped))
//   the event itself                          (a critical = PSI "full" event: not responding)
// Reasons are tried in lmkd's order; the first that holds wins. lmkd's code tries "low
// memory and swap utilisation" (enum 6) before "low memory and thrashing" (4); so does this.
import type { DecisionReason } from '../model/decision.js';
import type { MemoryState } from '../model/snapshot.js';
import { formatKiB } from '../model/units.js';
import type { LmkdPsiParams } from './lmkd-psi-params.js';

/** lmkd's THRASHING_RESET_INTERVAL_MS: refaults are measured against the file LRU per 1 s window. */
const THRASHING_RESET_INTERVAL_MS = 1000;

type Wmark = 'min' | 'low' | 'high' | 'none';
type Reclaim = 'none' | 'kswapd' | 'direct';
type PsiReason = Extract<
  DecisionReason,
  | 'pressure-after-kill' | 'not-responding' | 'low-swap-and-thrashing' | 'low-mem-and-swap' | 'low-mem-and-thrashing'
  | 'direct-reclaim-and-thrashing' | 'low-mem-and-swap-util' | 'low-filecache-after-thrashing' | 'low-mem'
>;

/** The counters' values at the start of the current thrashing window (lmkd's statics). */
interface ThrashWindow {
  /** workingset_refault_file when the window began (init_ws_refault). */
  initRefault: number;
  /** workingset_refault_file at the last event that looked (prev_workingset_refault). */
  prevRefault: number;
  /** File LRU pages when the window began (base_file_lru). */
  baseFileLru: number;
  /** pgscan_direct / pgscan_kswapd at the last event that saw them move. */
  initPgscanDirect: number;
  initPgscanKswapd: number;
  /** ctx.nowMs when the window began (thrashing_reset_tm). */
  startMs: number;
}

export interface LmkdPsiState {
  /** Undefined until the first event with vmstat: that reading is the baseline. */
  window?: ThrashWindow;
  /** Thrashing carried from earlier windows, halved per window passed (prev_thrash_growth), %. */
  prevThrashGrowth: number;
  /** The limit now in force: thrashing_limit, cut by thrashing_limit_decay after each thrashing kill. */
  thrashingLimit: number;
  /** After a thrashing kill: keep killing while the file cache stays under filecache_min_kb. */
  checkFilecache: boolean;
  /** Highest thrashing since the last kill, % (lmkd's max_thrashing, for the kill statistics). */
  maxThrashing: number;
  /** The last decision killed: the next event is "after a kill". */
  killing: boolean;
}

export function initialPsiState(p: LmkdPsiParams): LmkdPsiState {
  return { prevThrashGrowth: 0, thrashingLimit: p.thrashingLimitPct, checkFilecache: false, maxThrashing: 0, killing: false };
}

export interface PsiAssessment {
  reason: PsiReason | 'none';
  /** lmkd's kill_desc: what held, with the numbers. */
  why: string;
  /** The lowest oom_score_adj that may die for this reason. */
  minScoreAdj: number;
  thrashingPct: number;
  wmark: Wmark;
  reclaim: Reclaim;
  swapLow: boolean;
  /** A kill for this reason lowers the thrashing limit by thrashing_limit_decay. */
  cutThrashingLimit: boolean;
  /** State after this event when nothing is killed (see stateAfterKill). */
  next: LmkdPsiState;
  /** The facts, one per line, for explain and the log. */
  lines: string[];
}

/** get_lowest_watermark(): the lowest watermark that free memory (without CMA) is below. */
function lowestWatermark(m: MemoryState): Wmark {
  const w = m.watermarks;
  if (!w) return 'none';
  const free = m.freeKiB - (m.cmaFreeKiB ?? 0);
  if (free < w.minKiB) return 'min';
  if (free < w.lowKiB) return 'low';
  if (free < w.highKiB) return 'high';
  return 'none';
}

const WMARK_RANK: Record<Wmark, number> = { min: 0, low: 1, high: 2, none: 3 };
/** lmkd compares its enum: WMARK_MIN < WMARK_LOW < WMARK_HIGH < WMARK_NONE. */
const below = (w: Wmark, than: Wmark): boolean => WMARK_RANK[w] < WMARK_RANK[than];

/** calc_swap_utilization(): swapped × 100 ÷ (anon + shmem + swapped), truncated. */
function swapUtilisation(m: MemoryState): number {
  const used = m.swapTotalKiB - m.swapFreeKiB;
  const swappable = (m.anonKiB ?? 0) + m.shmemKiB + used;
  return swappable > 0 ? Math.trunc((used * 100) / swappable) : 0;
}

interface Thrash {
  thrashingPct: number;
  window: ThrashWindow;
  prevThrashGrowth: number;
  thrashingLimit: number;
}

/**
 * The thrashing window. Within a window: refaults since it began × 100 ÷ (the file LRU it
 * began with + 1). When a window has passed: that growth becomes the carry, halved once per
 * window passed — except after exactly one window over the limit (nothing could be killed:
 * keep it, so a kill follows when a candidate appears) — and a new window begins with the
 * limit restored.
 */
function thrashing(window: ThrashWindow, prevGrowth: number, limit: number, refault: number, fileLru: number, nowMs: number, p: LmkdPsiParams): Thrash {
  const sinceMs = nowMs - window.startMs;
  if (sinceMs <= THRASHING_RESET_INTERVAL_MS) {
    const growth = Math.trunc(((refault - window.initRefault) * 100) / (window.baseFileLru + 1));
    return { thrashingPct: growth + prevGrowth, window, prevThrashGrowth: prevGrowth, thrashingLimit: limit };
  }
  let carry = Math.trunc(((refault - window.initRefault) * 100) / (window.baseFileLru + 1));
  const windows = Math.floor(sinceMs / THRASHING_RESET_INTERVAL_MS);
  // lmkd shifts right by the windows passed; a shift of 53 or more leaves nothing.
  if (windows > 1 || carry < limit) carry = windows >= 53 ? 0 : Math.floor(carry / 2 ** windows);
  const fresh = { ...window, baseFileLru: fileLru, initRefault: refault, startMs: nowMs };
  return { thrashingPct: carry, window: fresh, prevThrashGrowth: carry, thrashingLimit: p.thrashingLimitPct };
}

interface Reasoned {
  reason: PsiReason | 'none';
  why: string;
  minScoreAdj: number;
  cut: boolean;
  checkFilecache: boolean;
}

interface Facts {
  afterKill: boolean;
  critical: boolean;
  swapLow: boolean;
  wmark: Wmark;
  reclaim: Reclaim;
  thrashingPct: number;
  limit: number;
  checkFilecache: boolean;
  m: MemoryState;
}

/** The reason table, in the order mp_event_psi tries it. */
function reasonFor(f: Facts, p: LmkdPsiParams): Reasoned {
  const perceptible = p.perceptibleAdj + 1;
  const wm = f.wmark === 'min' ? 'min' : 'low';
  const swapText = `${formatKiB(f.m.swapFreeKiB)} < ${formatKiB(swapLowThresholdKiB(f.m, p))}`;
  const r = (reason: PsiReason, why: string, minScoreAdj = 0, cut = false, checkFilecache = f.checkFilecache): Reasoned => ({ reason, why, minScoreAdj, cut, checkFilecache });
  const heavy = f.thrashingPct >= p.thrashingLimitCriticalPct;
  if (f.afterKill && below(f.wmark, 'low')) return r('pressure-after-kill', 'min watermark is breached even after kill');
  if (f.critical) return r('not-responding', 'device is not responding (a PSI full stall event)');
  if (f.swapLow && f.thrashingPct > p.thrashingLimitPct) {
    const adj = f.wmark !== 'min' && !heavy ? perceptible : 0;
    return r('low-swap-and-thrashing', `device is low on swap (${swapText}) and thrashing (${f.thrashingPct}%)`, adj, false, true);
  }
  if (f.swapLow && below(f.wmark, 'high')) {
    const adj = f.wmark !== 'min' && !heavy ? perceptible : 0;
    return r('low-mem-and-swap', `${wm} watermark is breached and swap is low (${swapText})`, adj);
  }
  const util = p.swapUtilMaxPct < 100 ? swapUtilisation(f.m) : 0;
  if (below(f.wmark, 'high') && p.swapUtilMaxPct < 100 && util > p.swapUtilMaxPct) {
    return r('low-mem-and-swap-util', `${wm} watermark is breached and swap utilization is high (${util}% > ${p.swapUtilMaxPct}%)`);
  }
  if (below(f.wmark, 'high') && f.thrashingPct > f.limit) {
    return r('low-mem-and-thrashing', `${wm} watermark is breached and thrashing (${f.thrashingPct}%)`, heavy ? 0 : perceptible, true, true);
  }
  if (f.reclaim === 'direct' && f.thrashingPct > f.limit) {
    return r('direct-reclaim-and-thrashing', `device is in direct reclaim and thrashing (${f.thrashingPct}%)`, heavy ? 0 : perceptible, true, true);
  }
  let checkFilecache = f.checkFilecache;
  if (f.checkFilecache) {
    const fileKiB = f.m.vmstat ? f.m.vmstat.fileLruPages * f.m.vmstat.pageSizeKiB : Infinity;
    if (fileKiB < p.filecacheMinKiB) {
      return r('low-filecache-after-thrashing', `filecache is low (${formatKiB(fileKiB)} < ${formatKiB(p.filecacheMinKiB)}) after thrashing`, perceptible);
    }
    checkFilecache = false; // file cache big enough: stop checking
  }
  // lmkd's last resort (LOW_MEM): below the low watermark, only adj >= lowmem_min_oom_score.
  if (below(f.wmark, 'high') && p.lowmemMinOomScore <= 1000) {
    return r('low-mem', `${wm} watermark is breached`, Math.max(p.lowmemMinOomScore, perceptible), false, checkFilecache);
  }
  return { reason: 'none', why: checkFilecache !== f.checkFilecache ? 'file cache is big enough again after thrashing' : 'no kill reason holds', minScoreAdj: 0, cut: false, checkFilecache };
}

/** SwapTotal × swap_free_low_percentage ÷ 100; 0 (never low) when the percentage is 0. */
function swapLowThresholdKiB(m: MemoryState, p: LmkdPsiParams): number {
  return p.swapFreeLowPct > 0 ? Math.trunc((m.swapTotalKiB * p.swapFreeLowPct) / 100) : 0;
}

function reclaimOf(window: ThrashWindow | undefined, direct: number, kswapd: number): Reclaim {
  if (!window) return 'none';
  if (direct > window.initPgscanDirect) return 'direct';
  if (kswapd > window.initPgscanKswapd) return 'kswapd';
  return 'none';
}

const quiet = (state: LmkdPsiState, why: string, lines: string[], wmark: Wmark): PsiAssessment => ({
  reason: 'none', why, minScoreAdj: 0, thrashingPct: 0, wmark, reclaim: 'none', swapLow: false, cutThrashingLimit: false, next: state, lines,
});

/** One pressure event, judged as mp_event_psi judges it. `critical`: the event is PSI full (critical level). */
export function assessPsi(m: MemoryState, state: LmkdPsiState, p: LmkdPsiParams, nowMs: number, critical: boolean): PsiAssessment {
  const vm = m.vmstat;
  const lines: string[] = [];
  let s: LmkdPsiState = { ...state, killing: false };
  const afterKill = state.killing;
  let window = state.window;
  // lmkd's counters start at zero, so its first event never bails out as "unchanged";
  // reapd's baseline is that first reading, which must not count as "nothing changed".
  const firstReading = window === undefined;
  if (vm && (afterKill || !window)) {
    // After a kill (and at the first reading) the window restarts from the counters as they are now.
    window = { initRefault: vm.workingsetRefaultFile, prevRefault: window?.prevRefault ?? vm.workingsetRefaultFile, baseFileLru: vm.fileLruPages,
      initPgscanDirect: window?.initPgscanDirect ?? vm.pgscanDirect, initPgscanKswapd: window?.initPgscanKswapd ?? vm.pgscanKswapd, startMs: nowMs };
    s = { ...s, window, prevThrashGrowth: afterKill ? 0 : s.prevThrashGrowth };
  }
  const wmark = lowestWatermark(m);
  const swapLow = swapIsLow(m, p);
  const reclaim = vm ? reclaimOf(window, vm.pgscanDirect, vm.pgscanKswapd) : 'none';
  if (vm && window) {
    if (reclaim === 'direct') window = { ...window, initPgscanDirect: vm.pgscanDirect, initPgscanKswapd: vm.pgscanKswapd };
    else if (reclaim === 'kswapd') window = { ...window, initPgscanKswapd: vm.pgscanKswapd };
    else if (vm.workingsetRefaultFile === window.prevRefault && !firstReading) {
      // lmkd bails out here before it looks at anything else — even on the event after a kill.
      return quiet({ ...s, window }, 'not reclaiming and no file page refaulted since the last event', lines, wmark);
    }
    window = { ...window, prevRefault: vm.workingsetRefaultFile };
  }
  let thrashingPct = 0;
  if (vm && window) {
    const t = thrashing(window, s.prevThrashGrowth, s.thrashingLimit, vm.workingsetRefaultFile, vm.fileLruPages, nowMs, p);
    window = t.window;
    thrashingPct = t.thrashingPct;
    s = { ...s, window, prevThrashGrowth: t.prevThrashGrowth, thrashingLimit: t.thrashingLimit };
  } else {
    lines.push('vmstat not read: thrashing and reclaim unknown (counted as none)');
  }
  s = { ...s, maxThrashing: Math.max(s.maxThrashing, thrashingPct) };
  if (!m.watermarks) lines.push('zone watermarks not read: no watermark counts as breached');
  const facts: Facts = { afterKill, critical, swapLow, wmark, reclaim, thrashingPct, limit: s.thrashingLimit, checkFilecache: s.checkFilecache, m };
  const got = reasonFor(facts, p);
  s = { ...s, checkFilecache: got.checkFilecache };
  const critStall = m.psiFullAvg10 !== undefined && m.psiFullAvg10 > p.stallLimitCriticalPct;
  lines.push(...factLines(m, p, facts));
  if (m.psiFullAvg10 !== undefined) {
    lines.push(`PSI full avg10 ${m.psiFullAvg10}% vs stall_limit_critical ${p.stallLimitCriticalPct}%: ${critStall ? 'over, kills may reach adj 0' : 'not over'}`);
  }
  lines.push(`reason: ${got.reason === 'none' ? 'none' : got.reason} — ${got.why}`);
  return {
    reason: got.reason, why: got.why, minScoreAdj: critStall ? 0 : got.minScoreAdj, thrashingPct, wmark, reclaim, swapLow, cutThrashingLimit: got.cut, next: s, lines,
  };
}

function factLines(m: MemoryState, p: LmkdPsiParams, f: Facts): string[] {
  const w = m.watermarks;
  const wl = w ? `free ${formatKiB(m.freeKiB - (m.cmaFreeKiB ?? 0))} vs watermarks min ${formatKiB(w.minKiB)} low ${formatKiB(w.lowKiB)} high ${formatKiB(w.highKiB)}: below ${f.wmark}` : 'watermarks: unknown';
  return [
    wl,
    `swap free ${formatKiB(m.swapFreeKiB)} of ${formatKiB(m.swapTotalKiB)}; low below ${formatKiB(swapLowThresholdKiB(m, p))} (swap_free_low_percentage ${p.swapFreeLowPct}): ${f.swapLow ? 'low' : 'not low'}`,
    `thrashing ${f.thrashingPct}% of the file LRU (limit ${f.limit}%, critical ${p.thrashingLimitCriticalPct}%); reclaim: ${f.reclaim}`,
  ];
}

/**
 * reapd's backstop (available_low_percentage, 0: off): MemAvailable below that share of
 * RAM, with swap absent or low. What the domain's poll checks between PSI events.
 */
export function availableExhausted(m: MemoryState, p: LmkdPsiParams): boolean {
  if (p.availableLowPct <= 0) return false;
  return (m.swapTotalKiB <= 0 || swapIsLow(m, p)) && m.availableKiB < (m.totalKiB * p.availableLowPct) / 100;
}

/** lmkd's swap_is_low: free swap under swap_free_low_percentage of SwapTotal (never without swap). */
function swapIsLow(m: MemoryState, p: LmkdPsiParams): boolean {
  return swapLowThresholdKiB(m, p) > 0 && m.swapFreeKiB < swapLowThresholdKiB(m, p);
}

/**
 * The poll between PSI events: lmkd's reason table needs an event, so only the backstop
 * can hold here — memory about to run out entirely, where the kernel's OOM killer would
 * act next: low-mem, at any adj (highest first, as always).
 */
export function assessPolled(m: MemoryState, state: LmkdPsiState, p: LmkdPsiParams): PsiAssessment {
  const wmark = lowestWatermark(m);
  const limitKiB = Math.trunc((m.totalKiB * p.availableLowPct) / 100);
  const swap = m.swapTotalKiB <= 0 ? 'no swap' : `swap free ${formatKiB(m.swapFreeKiB)} of ${formatKiB(m.swapTotalKiB)}`;
  const lines = [`available ${formatKiB(m.availableKiB)} vs ${formatKiB(limitKiB)} (available_low_percentage ${p.availableLowPct}); ${swap}`];
  const s = { ...state, killing: false };
  if (!availableExhausted(m, p)) return quiet(s, 'available memory is not below available_low_percentage with swap low or absent', lines, wmark);
  const why = `available memory is below ${p.availableLowPct}% of RAM with ${m.swapTotalKiB <= 0 ? 'no swap' : 'swap low'} (polled between pressure events)`;
  lines.push(`reason: low-mem — ${why}`);
  return { reason: 'low-mem', why, minScoreAdj: 0, thrashingPct: 0, wmark, reclaim: 'none', swapLow: swapIsLow(m, p), cutThrashingLimit: false, next: s, lines };
}

/** The state after this event's decision killed: lmkd's `killing = true`, max_thrashing reset, limit cut. */
export function stateAfterKill(a: PsiAssessment, p: LmkdPsiParams): LmkdPsiState {
  const limit = a.cutThrashingLimit ? Math.trunc((a.next.thrashingLimit * (100 - p.thrashingLimitDecayPct)) / 100) : a.next.thrashingLimit;
  return { ...a.next, killing: true, maxThrashing: 0, thrashingLimit: limit };
}
