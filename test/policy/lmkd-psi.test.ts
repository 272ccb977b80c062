// lmkd's PSI strategy (mp_event_psi in AOSP lmkd.cpp), case by case: each kill reason in
// lmkd's order, each threshold at its edge, the thrashing window with its decay, the
// limit cut after a thrashing kill, the perceptible guard, and the pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessPsi, initialPsiState, stateAfterKill, type LmkdPsiState } from '../../src/policy/lmkd-psi-assess.js';
import { LMKD_PSI_DEFAULTS, type LmkdPsiParams } from '../../src/policy/lmkd-psi-params.js';
import { decideLmkd, lmkd, type LmkdParams, type LmkdState } from '../../src/policy/lmkd.js';
import { killReasonFor, KILL_REASON } from '../../src/control/kill-stat.js';
import type { MemoryState } from '../../src/model/snapshot.js';
import { ctx, GiB, memory, MiB, sized, snap } from './build.js';

const P: LmkdPsiParams = { ...LMKD_PSI_DEFAULTS };
/** File LRU of 100,000 pages: 1,000 refaulted pages are 1 % thrashing. */
const LRU = 100_000;
const WM = { minKiB: 40 * MiB, lowKiB: 50 * MiB, highKiB: 60 * MiB };

interface At {
  refault?: number;
  direct?: number;
  kswapd?: number;
  fileLru?: number;
  freeMiB?: number;
  swapFreeMiB?: number;
  over?: Partial<MemoryState>;
}

/** 8 GiB, 1 GiB swap; free 100 MiB (above every watermark) and swap half free unless told. */
function mem(a: At = {}): MemoryState {
  return memory({
    freeKiB: (a.freeMiB ?? 100) * MiB,
    swapTotalKiB: 1 * GiB,
    swapFreeKiB: (a.swapFreeMiB ?? 512) * MiB,
    anonKiB: 2 * GiB,
    watermarks: WM,
    vmstat: { workingsetRefaultFile: a.refault ?? 0, pgscanDirect: a.direct ?? 0, pgscanKswapd: a.kswapd ?? 0, fileLruPages: a.fileLru ?? LRU, pageSizeKiB: 4 },
    ...a.over,
  });
}

/** The state after a quiet baseline event at t=0 (the first reading starts the window). */
function baseline(p: LmkdPsiParams = P): LmkdPsiState {
  const a = assessPsi(mem(), initialPsiState(p), p, 0, false);
  assert.equal(a.reason, 'none');
  return a.next;
}

/** refaults that make `pct` % thrashing against the baseline's LRU (+1 page, as lmkd divides). */
const pct = (n: number): number => Math.ceil((n * (LRU + 1)) / 100);

test('the first reading is a baseline: nothing before it counts as reclaim or refaults', () => {
  const a = assessPsi(mem({ refault: 9e9, direct: 9e9, kswapd: 9e9 }), initialPsiState(P), P, 5_000, false);
  assert.equal(a.reason, 'none');
  assert.equal(a.reclaim, 'none');
  assert.equal(a.next.window?.initRefault, 9e9);
});

test('no reclaim and no refault since the last event: lmkd bails out early, even below min', () => {
  const a = assessPsi(mem({ freeMiB: 1 }), baseline(), P, 100, false);
  assert.equal(a.reason, 'none');
  assert.match(a.why, /no file page refaulted/);
});

test('thrashing: refaults × 100 ÷ (file LRU + 1) within the window; the limit is exceeded only above it', () => {
  const at = (refault: number) => assessPsi(mem({ freeMiB: 45, refault }), baseline(), P, 500, false);
  assert.equal(at(pct(100)).thrashingPct, 100);
  assert.equal(at(pct(100)).reason, 'low-mem', 'thrashing == thrashing_limit is not over it: only the last resort holds');
  assert.equal(at(pct(101)).reason, 'low-mem-and-thrashing');
});

test('reason 0, pressure after kill: the event after a kill still finds free memory below min', () => {
  const killed: LmkdPsiState = { ...baseline(), killing: true };
  const a = assessPsi(mem({ freeMiB: 39, kswapd: 10 }), killed, P, 200, false);
  assert.equal(a.reason, 'pressure-after-kill');
  assert.equal(a.minScoreAdj, 0);
  const atMin = assessPsi(mem({ freeMiB: 40, kswapd: 10 }), killed, P, 200, false);
  assert.notEqual(atMin.reason, 'pressure-after-kill', 'free == min watermark is not below it');
  assert.equal(atMin.next.killing, false);
});

test('reason 1, not responding: a critical (PSI full) event, whatever memory says', () => {
  const a = assessPsi(mem({ kswapd: 5 }), baseline(), P, 100, true);
  assert.equal(a.reason, 'not-responding');
  assert.equal(a.minScoreAdj, 0);
  assert.equal(assessPsi(mem({ kswapd: 5 }), baseline(), P, 100, false).reason, 'none');
});

test('reason 2, low swap and thrashing: swap below swap_free_low_percentage and thrashing over the base limit', () => {
  // 10 % of 1 GiB = 102.4 MiB, truncated to whole KiB.
  const a = assessPsi(mem({ swapFreeMiB: 100, refault: pct(150) }), baseline(), P, 300, false);
  assert.equal(a.reason, 'low-swap-and-thrashing');
  assert.equal(a.minScoreAdj, 201, 'above min and under critical thrashing: perceptible apps are spared');
  assert.equal(a.next.checkFilecache, true);
  const edge = mem({ swapFreeMiB: 0, refault: pct(150), over: { swapFreeKiB: Math.trunc(GiB / 10) } });
  assert.equal(assessPsi(edge, baseline(), P, 300, false).swapLow, false, 'swap free == the threshold is not low');
  const heavy = assessPsi(mem({ swapFreeMiB: 100, refault: pct(200) }), baseline(), P, 300, false);
  assert.equal(heavy.minScoreAdj, 0, 'thrashing_limit_critical reached: adj 0 may die');
  const atMin = assessPsi(mem({ swapFreeMiB: 100, refault: pct(150), freeMiB: 30 }), baseline(), P, 300, false);
  assert.equal(atMin.minScoreAdj, 0, 'below the min watermark: adj 0 may die');
});

test('reason 3, low memory and swap: below the low watermark with swap low', () => {
  const a = assessPsi(mem({ swapFreeMiB: 100, freeMiB: 49, kswapd: 1 }), baseline(), P, 300, false);
  assert.equal(a.reason, 'low-mem-and-swap');
  assert.equal(a.minScoreAdj, 201);
  assert.match(a.why, /^low watermark is breached and swap is low/);
  const atLow = assessPsi(mem({ swapFreeMiB: 100, freeMiB: 50, kswapd: 1 }), baseline(), P, 300, false);
  assert.equal(atLow.reason, 'none', 'free == low watermark: only high is breached');
  const min = assessPsi(mem({ swapFreeMiB: 100, freeMiB: 10, kswapd: 1 }), baseline(), P, 300, false);
  assert.match(min.why, /^min watermark/);
  assert.equal(min.minScoreAdj, 0);
});

test('reason 6, low memory and swap utilisation: checked before low memory and thrashing, off at swap_util_max 100', () => {
  // 512 MiB of 1 GiB swapped; anon 512 MiB resident: 50 %.
  const m = (refault: number) => mem({ freeMiB: 45, refault, over: { anonKiB: 512 * MiB } });
  const on = { ...P, swapUtilMaxPct: 49 };
  assert.equal(assessPsi(m(pct(150)), baseline(on), on, 300, false).reason, 'low-mem-and-swap-util');
  assert.equal(assessPsi(m(pct(150)), baseline(on), { ...on, swapUtilMaxPct: 50 }, 300, false).reason, 'low-mem-and-thrashing', '50 % is not over 50 %');
  assert.equal(assessPsi(m(pct(150)), baseline(), P, 300, false).reason, 'low-mem-and-thrashing');
});

test('reason 4, low memory and thrashing: the perceptible guard falls at thrashing_limit_critical; a kill cuts the limit', () => {
  const a = assessPsi(mem({ freeMiB: 45, refault: pct(150) }), baseline(), P, 300, false);
  assert.equal(a.reason, 'low-mem-and-thrashing');
  assert.equal(a.minScoreAdj, 201);
  assert.equal(a.cutThrashingLimit, true);
  assert.equal(stateAfterKill(a, P).thrashingLimit, 90, 'cut by thrashing_limit_decay 10 %');
  assert.equal(stateAfterKill(a, P).killing, true);
  assert.equal(assessPsi(mem({ freeMiB: 45, refault: pct(200) }), baseline(), P, 300, false).minScoreAdj, 0);
  assert.equal(assessPsi(mem({ freeMiB: 55, refault: pct(150) }), baseline(), P, 300, false).reason, 'none', 'only the high watermark breached');
});

test('reason 5, direct reclaim and thrashing: pgscan_direct moved, memory above the watermarks', () => {
  const a = assessPsi(mem({ direct: 1, refault: pct(150) }), baseline(), P, 300, false);
  assert.equal(a.reason, 'direct-reclaim-and-thrashing');
  assert.equal(a.reclaim, 'direct');
  assert.equal(assessPsi(mem({ kswapd: 1, refault: pct(150) }), baseline(), P, 300, false).reason, 'none', 'kswapd reclaim is not direct');
});

test('reason 7, low file cache after thrashing: keeps killing while the file LRU is under filecache_min_kb, then stops', () => {
  const p = { ...P, filecacheMinKiB: 200 * MiB };
  const thrash = assessPsi(mem({ freeMiB: 45, refault: pct(150) }), baseline(p), p, 300, false);
  const after = stateAfterKill(thrash, p);
  // Next event: the window restarts after the kill, nothing thrashes now, the file LRU is 40,000 pages (156 MiB).
  const small = assessPsi(mem({ kswapd: 1, refault: pct(150), fileLru: 40_000 }), after, p, 400, false);
  assert.equal(small.reason, 'low-filecache-after-thrashing');
  assert.equal(small.minScoreAdj, 201);
  const big = assessPsi(mem({ kswapd: 2, refault: pct(150) + 1, fileLru: 60_000 }), { ...small.next, killing: false }, p, 500, false);
  assert.equal(big.reason, 'none');
  assert.equal(big.next.checkFilecache, false, 'file cache big enough: stop checking');
});

test('reason 8, low memory (the last resort): below the low watermark, only adj >= lowmem_min_oom_score; 1001 turns it off', () => {
  const a = assessPsi(mem({ freeMiB: 49, kswapd: 1 }), baseline(), P, 300, false);
  assert.equal(a.reason, 'low-mem');
  assert.equal(a.minScoreAdj, 701);
  assert.equal(killReasonFor('low-mem'), KILL_REASON.LOW_MEM);
  assert.equal(assessPsi(mem({ freeMiB: 50, kswapd: 1 }), baseline(), P, 300, false).reason, 'none', 'free == low watermark');
  const off = { ...P, lowmemMinOomScore: 1001 };
  assert.equal(assessPsi(mem({ freeMiB: 49, kswapd: 1 }), baseline(off), off, 300, false).reason, 'none');
  const low = { ...P, lowmemMinOomScore: 0 };
  assert.equal(assessPsi(mem({ freeMiB: 49, kswapd: 1 }), baseline(low), low, 300, false).minScoreAdj, 201, 'never below perceptible + 1');
  const desktop = { ...low, perceptibleAdj: -1 };
  assert.equal(assessPsi(mem({ freeMiB: 49, kswapd: 1 }), baseline(desktop), desktop, 300, false).minScoreAdj, 0);
});

test('reasons are tried in lmkd order: swap-low thrashing wins over low memory and swap', () => {
  const a = assessPsi(mem({ freeMiB: 45, swapFreeMiB: 50, refault: pct(150) }), baseline(), P, 300, false);
  assert.equal(a.reason, 'low-swap-and-thrashing');
});

test('decay: a passed window carries its growth, halved per window; kept once when over the limit', () => {
  const b = baseline();
  // Window 1 ends at 1.5 s with 60 % growth (< limit): carry 60 >> 1 = 30.
  const one = assessPsi(mem({ kswapd: 1, refault: pct(60) }), b, P, 1_500, false);
  assert.equal(one.thrashingPct, 30);
  assert.equal(one.next.prevThrashGrowth, 30);
  assert.equal(one.next.window?.startMs, 1_500);
  // Over the limit after exactly one window: kept whole (nothing could be killed; retry).
  const kept = assessPsi(mem({ kswapd: 1, refault: pct(120) }), b, P, 1_500, false);
  assert.equal(kept.thrashingPct, 120);
  // Three windows passed: 120 >> 3 = 15.
  assert.equal(assessPsi(mem({ kswapd: 1, refault: pct(120) }), b, P, 3_500, false).thrashingPct, 15);
  // Within the next window the carry adds to the new growth.
  const next = assessPsi(mem({ kswapd: 2, refault: pct(60) + pct(10) }), one.next, P, 2_000, false);
  assert.equal(next.thrashingPct, 30 + 10);
});

test('a new window restores the thrashing limit cut by earlier kills', () => {
  const cut = { ...baseline(), thrashingLimit: 50 };
  const a = assessPsi(mem({ kswapd: 1, refault: 10 }), cut, P, 2_500, false);
  assert.equal(a.next.thrashingLimit, 100);
});

test('the cut limit makes the next thrashing kill come sooner', () => {
  const cut: LmkdPsiState = { ...baseline(), thrashingLimit: 90 };
  assert.equal(assessPsi(mem({ freeMiB: 45, refault: pct(95) }), cut, P, 300, false).reason, 'low-mem-and-thrashing');
  assert.equal(assessPsi(mem({ freeMiB: 45, refault: pct(95) }), baseline(), P, 300, false).reason, 'low-mem');
});

test('a critical stall (PSI full avg10 > stall_limit_critical) lets adj 0 die', () => {
  const p = { ...P, stallLimitCriticalPct: 20 };
  const m = mem({ freeMiB: 45, refault: pct(150), over: { psiFullAvg10: 20.5 } });
  assert.equal(assessPsi(m, baseline(p), p, 300, false).minScoreAdj, 0);
  assert.equal(assessPsi({ ...m, psiFullAvg10: 20 }, baseline(p), p, 300, false).minScoreAdj, 201);
});

test('no swap at all: swap is never low', () => {
  const m = mem({ freeMiB: 45, refault: pct(150), over: { swapTotalKiB: 0, swapFreeKiB: 0 } });
  assert.equal(assessPsi(m, baseline(), P, 300, false).swapLow, false);
});

const psiParams = (over: Partial<LmkdParams> = {}): LmkdParams => ({ ...lmkd.defaultParams(), mode: 'psi', ...over });

/** A lmkd state whose PSI window has seen the baseline. */
const ready = (): LmkdState => ({ psi: baseline() });

test('psi mode kills one process: the heaviest at the highest adj at or above the reason minimum', () => {
  const s = snap([sized(10, 900, 100), sized(11, 900, 300), sized(12, 950, 50), sized(13, 200, 2000)], mem({ freeMiB: 45, refault: pct(150) }));
  const d = decideLmkd(s, ready(), psiParams(), ctx({ nowMs: 300 }));
  assert.deepEqual(d.victims.map((v) => v.pid), [12]);
  assert.equal(d.reason, 'low-mem-and-thrashing');
  assert.equal(d.victims[0]?.reason, 'low-mem-and-thrashing');
  assert.equal(killReasonFor('low-mem-and-thrashing'), KILL_REASON.LOW_MEM_AND_THRASHING);
  assert.equal((d.state as LmkdState).psi?.killing, true);
  assert.equal((d.state as LmkdState).lastKillMs, 300);
});

test('psi mode spares adj <= 200 under the perceptible guard, and kills nothing when only they remain', () => {
  const s = snap([sized(13, 200, 2000), sized(14, 0, 3000)], mem({ freeMiB: 45, refault: pct(150) }));
  const d = decideLmkd(s, ready(), psiParams(), ctx({ nowMs: 300 }));
  assert.deepEqual(d.victims, []);
  assert.equal((d.state as LmkdState).psi?.killing, false);
  const desktop = decideLmkd(s, ready(), psiParams({ psi: { ...P, perceptibleAdj: -1 } }), ctx({ nowMs: 300 }));
  assert.deepEqual(desktop.victims.map((v) => v.pid), [13], 'perceptible adj -1: adj 0 and up may die; highest adj first');
});

test('psi mode counts swapped pages at their zram cost', () => {
  // 500 MiB resident vs 100 MiB resident + 2 GiB in zram at 1:4: 612 MiB.
  const zram = { origDataKiB: 4 * GiB, memUsedKiB: 1 * GiB };
  const s = snap([sized(20, 0, 500), sized(21, 0, 100, { swapKiB: 2 * GiB })], mem({ freeMiB: 45, refault: pct(250), over: { zram } }));
  const d = decideLmkd(s, ready(), psiParams(), ctx({ nowMs: 300 }));
  assert.deepEqual(d.victims.map((v) => v.pid), [21]);
  assert.equal(d.victims[0]?.sizeKiB, 100 * MiB + 512 * MiB);
  const noZram = snap(s.processes, { ...s.memory, zram: { origDataKiB: 4 * GiB, memUsedKiB: 4 * GiB * 0.1 } });
  assert.deepEqual(decideLmkd(noZram, ready(), psiParams(), ctx({ nowMs: 300 })).victims.map((v) => v.pid), [20], 'at 1:10 the swapped leak costs less');
});

test('psi mode skips events within kill_timeout of the last kill and keeps its state', () => {
  const s = snap([sized(10, 900, 100)], mem({ freeMiB: 45, refault: pct(150) }));
  const st: LmkdState = { ...ready(), lastKillMs: 250 };
  const d = decideLmkd(s, st, psiParams(), ctx({ nowMs: 300 }));
  assert.deepEqual(d.victims, []);
  assert.equal(d.state, st);
  assert.equal(decideLmkd(s, st, psiParams(), ctx({ nowMs: 350 })).victims.length, 1, 'kill_timeout_ms 100 has passed');
});

test('psi mode: a critical event is not responding; lmkd\'s kill_reason code 1 reaches the statistics', () => {
  const s = snap([sized(10, 0, 100)], mem({ kswapd: 1 }));
  const d = decideLmkd(s, ready(), psiParams(), ctx({ nowMs: 300, eventLevel: 'critical' }));
  assert.equal(d.victims[0]?.reason, 'not-responding');
  assert.equal(killReasonFor(d.victims[0]!.reason), 1);
});

test('the mode sets the trigger: table polls thresholds, psi wants lmkd\'s two PSI triggers', () => {
  assert.equal(lmkd.triggerFor?.(lmkd.defaultParams()), 'threshold');
  assert.equal(lmkd.triggerFor?.(psiParams()), 'pressure');
  assert.deepEqual(lmkd.psiTriggers?.(psiParams()), [
    { psiKind: 'some', stallMs: 70, windowMs: 1000, level: 'medium' },
    { psiKind: 'full', stallMs: 700, windowMs: 1000, level: 'critical' },
  ]);
  assert.equal(lmkd.psiTriggers?.(lmkd.defaultParams()), undefined);
});

test('psi mode needs what lifts free memory to the low watermark, not the unused minfree table', () => {
  const d = decideLmkd(snap([sized(10, 0, 100)], mem({ freeMiB: 45 })), ready(), psiParams(), ctx({ nowMs: 300 }));
  assert.equal(lmkd.neededKiB({ memory: mem({ freeMiB: 45 }) }, psiParams(), d), 5 * MiB, 'low watermark 50 MiB − free 45 MiB');
  assert.equal(lmkd.neededKiB({ memory: mem({ freeMiB: 100 }) }, psiParams(), d), 0, 'above the low watermark: nothing');
  assert.equal(lmkd.neededKiB({ memory: mem({ freeMiB: 45, over: { watermarks: undefined } }) }, psiParams(), d), 0, 'watermarks unknown');
});
