// Invariants of lmkd's PSI strategy over random event sequences (fast-check): the
// assessment never throws, names only lmkd's reasons, asks for adj 0 or perceptible + 1,
// never fires a swap reason without swap, does nothing when every signal is calm, keeps
// the thrashing limit within (0, thrashing_limit], and the decision kills at most one
// process, at or above the reason's adj.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assessPsi, initialPsiState, stateAfterKill, type LmkdPsiState } from '../../src/policy/lmkd-psi-assess.js';
import { LMKD_PSI_DEFAULTS } from '../../src/policy/lmkd-psi-params.js';
import { decideLmkd, lmkd, type LmkdState } from '../../src/policy/lmkd.js';
import type { MemoryState } from '../../src/model/snapshot.js';
import { ctx, GiB, memory, MiB, sized, snap } from './build.js';

const REASONS = new Set([
  'none', 'pressure-after-kill', 'not-responding', 'low-swap-and-thrashing', 'low-mem-and-swap', 'low-mem-and-thrashing',
  'direct-reclaim-and-thrashing', 'low-mem-and-swap-util', 'low-filecache-after-thrashing', 'low-mem',
]);

interface Step {
  dtMs: number;
  dRefault: number;
  dDirect: number;
  dKswapd: number;
  fileLru: number;
  freeMiB: number;
  swapFreeMiB: number;
  critical: boolean;
  kill: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  dtMs: fc.integer({ min: 0, max: 5000 }),
  dRefault: fc.integer({ min: 0, max: 300_000 }),
  dDirect: fc.constantFrom(0, 0, 1, 500),
  dKswapd: fc.constantFrom(0, 1, 500),
  fileLru: fc.integer({ min: 0, max: 200_000 }),
  freeMiB: fc.integer({ min: 0, max: 120 }),
  swapFreeMiB: fc.integer({ min: 0, max: 1024 }),
  critical: fc.boolean(),
  kill: fc.boolean(),
});

const paramsArb = fc.record({
  thrashingLimitPct: fc.integer({ min: 1, max: 200 }),
  thrashingLimitDecayPct: fc.integer({ min: 0, max: 100 }),
  swapFreeLowPct: fc.integer({ min: 0, max: 50 }),
  swapUtilMaxPct: fc.constantFrom(100, 50, 10),
  filecacheMinKiB: fc.constantFrom(0, 200 * MiB),
  perceptibleAdj: fc.constantFrom(200, -1),
  lowmemMinOomScore: fc.constantFrom(701, 0, 1001),
}).map((o) => ({ ...LMKD_PSI_DEFAULTS, ...o, thrashingLimitCriticalPct: o.thrashingLimitPct * 2 }));

function memAt(c: { refault: number; direct: number; kswapd: number }, s: Step, swapTotalKiB: number): MemoryState {
  return memory({
    freeKiB: s.freeMiB * MiB,
    swapTotalKiB,
    swapFreeKiB: Math.min(swapTotalKiB, s.swapFreeMiB * MiB),
    anonKiB: GiB,
    watermarks: { minKiB: 40 * MiB, lowKiB: 50 * MiB, highKiB: 60 * MiB },
    vmstat: { workingsetRefaultFile: c.refault, pgscanDirect: c.direct, pgscanKswapd: c.kswapd, fileLruPages: s.fileLru, pageSizeKiB: 4 },
  });
}

test('assessPsi over random event sequences: lmkd reasons only, adj 0 or perceptible + 1, limit within bounds', () => {
  fc.assert(
    fc.property(paramsArb, fc.array(stepArb, { maxLength: 30 }), fc.constantFrom(0, GiB), (p, steps, swapTotal) => {
      let state: LmkdPsiState = initialPsiState(p);
      const c = { refault: 0, direct: 0, kswapd: 0 };
      let now = 0;
      for (const s of steps) {
        now += s.dtMs;
        c.refault += s.dRefault;
        c.direct += s.dDirect;
        c.kswapd += s.dKswapd;
        const a = assessPsi(memAt(c, s, swapTotal), state, p, now, s.critical);
        assert.ok(REASONS.has(a.reason), a.reason);
        const allowed = [0, p.perceptibleAdj + 1, Math.max(p.lowmemMinOomScore, p.perceptibleAdj + 1)];
        assert.ok(allowed.includes(a.minScoreAdj), String(a.minScoreAdj));
        assert.ok(a.thrashingPct >= 0);
        if (swapTotal === 0) assert.ok(!['low-swap-and-thrashing', 'low-mem-and-swap'].includes(a.reason));
        if (s.critical && !state.killing && a.reason !== 'none') assert.equal(a.reason, 'not-responding');
        state = s.kill && a.reason !== 'none' ? stateAfterKill(a, p) : a.next;
        assert.ok(state.thrashingLimit >= 0 && state.thrashingLimit <= p.thrashingLimitPct);
      }
    }),
  );
});

test('calm signals (free above high, swap not low, no direct reclaim, no critical event, no file-cache watch) never kill', () => {
  fc.assert(
    fc.property(stepArb, fc.integer({ min: 0, max: 1e6 }), (s, refault) => {
      const p = LMKD_PSI_DEFAULTS;
      const calm = { ...s, freeMiB: 60 + (s.freeMiB % 60), swapFreeMiB: 200 + (s.swapFreeMiB % 800), critical: false };
      const base = assessPsi(memAt({ refault: 0, direct: 0, kswapd: 0 }, calm, GiB), initialPsiState(p), p, 0, false).next;
      const a = assessPsi(memAt({ refault, direct: 0, kswapd: s.dKswapd }, calm, GiB), base, p, calm.dtMs, false);
      assert.equal(a.reason, 'none');
    }),
  );
});

test('psi decisions kill at most one process, never below the reason\'s adj', () => {
  fc.assert(
    fc.property(stepArb, fc.array(fc.tuple(fc.constantFrom(-1000, 0, 100, 200, 201, 900), fc.integer({ min: 0, max: 500 })), { maxLength: 8 }), (s, procs) => {
      const params = { ...lmkd.defaultParams(), mode: 'psi' as const };
      const zero = memAt({ refault: 0, direct: 0, kswapd: 0 }, s, GiB);
      const base = assessPsi(zero, initialPsiState(params.psi), params.psi, 0, false).next;
      const m = memAt({ refault: s.dRefault, direct: s.dDirect, kswapd: s.dKswapd }, s, GiB);
      const a = assessPsi(m, base, params.psi, 500, s.critical);
      const snapshot = snap(procs.map(([adj, mib], i) => sized(100 + i, adj, mib)), m);
      const d = decideLmkd(snapshot, { psi: base } as LmkdState, params, ctx({ nowMs: 500, ...(s.critical ? { eventLevel: 'critical' } : {}) }));
      assert.ok(d.victims.length <= 1);
      for (const v of d.victims) {
        assert.ok(v.oomScoreAdj >= a.minScoreAdj && v.oomScoreAdj > -1000);
        assert.equal(v.reason, a.reason);
      }
    }),
  );
});
