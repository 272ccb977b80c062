// reapd's backstop beside lmkd's PSI strategy (available_low_percentage): between PSI
// events the domain polls, and with available memory below the share of RAM and swap low
// or absent it kills for low-mem without an event. Without it (lmkd's behaviour, the
// default) a poll never acts — the VM tier showed the kernel's OOM killer winning then on
// a host without swap. Also: the first PSI event is judged, not bailed out as "unchanged".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessPsi, initialPsiState } from '../../src/policy/lmkd-psi-assess.js';
import { LMKD_PSI_DEFAULTS } from '../../src/policy/lmkd-psi-params.js';
import { decideLmkd, lmkd, type LmkdParams } from '../../src/policy/lmkd.js';
import { ctx, GiB, memory, MiB, sized, snap } from './build.js';

const WM = { minKiB: 40 * MiB, lowKiB: 50 * MiB, highKiB: 60 * MiB };
const vmstat = { workingsetRefaultFile: 500, pgscanDirect: 0, pgscanKswapd: 0, fileLruPages: 100_000, pageSizeKiB: 4 };
const desktop = (availableLowPct: number): LmkdParams => ({
  ...lmkd.defaultParams(), mode: 'psi', psi: { ...LMKD_PSI_DEFAULTS, perceptibleAdj: -1, lowmemMinOomScore: 0, availableLowPct },
});
/** 8 GiB, no swap: 5 % is 409.6 MiB. */
const noSwap = (availableMiB: number) => memory({ availableKiB: availableMiB * MiB, freeKiB: 100 * MiB, watermarks: WM, vmstat });
const procs = [sized(10, 0, 300), sized(11, 0, 900), sized(12, 0, 20)];

test('a poll with available memory below available_low_percentage and no swap kills the heaviest for low-mem', () => {
  const d = decideLmkd(snap(procs, noSwap(300)), {}, desktop(5), ctx({ nowMs: 1000, eventLevel: 'poll' }));
  assert.deepEqual(d.victims.map((v) => v.pid), [11]);
  assert.equal(d.reason, 'low-mem');
  assert.match(d.summary, /polled between pressure events/);
  assert.equal(lmkd.needsAction(snap(procs, noSwap(300)), desktop(5)), true, 'the poll is gated open');
});

test('the backstop holds back: above the share, with swap still free, or switched off (0, lmkd\'s behaviour)', () => {
  assert.equal(lmkd.needsAction(snap(procs, noSwap(500)), desktop(5)), false, 'available above 5 %');
  const swapFree = memory({ availableKiB: 300 * MiB, swapTotalKiB: 1 * GiB, swapFreeKiB: 512 * MiB, watermarks: WM, vmstat });
  assert.equal(lmkd.needsAction(snap(procs, swapFree), desktop(5)), false, 'swap half free: not exhausted');
  const swapLow = { ...swapFree, swapFreeKiB: 50 * MiB };
  assert.equal(lmkd.needsAction(snap(procs, swapLow), desktop(5)), true, 'swap below swap_free_low_percentage');
  assert.equal(lmkd.needsAction(snap(procs, noSwap(10)), desktop(0)), false, 'off');
  const polled = decideLmkd(snap(procs, noSwap(500)), {}, desktop(5), ctx({ nowMs: 1000, eventLevel: 'poll' }));
  assert.deepEqual(polled.victims, [], 'a poll never uses lmkd\'s reason table');
});

test('the first PSI event is judged: below the low watermark on a desktop it kills for low-mem (lmkd never bails on its first event)', () => {
  const m = memory({ freeKiB: 45 * MiB, watermarks: WM, vmstat });
  const p = desktop(0).psi;
  const a = assessPsi(m, initialPsiState(p), p, 5_000, false);
  assert.equal(a.reason, 'low-mem');
  const d = decideLmkd(snap(procs, m), {}, desktop(0), ctx({ nowMs: 5_000, eventLevel: 'medium' }));
  assert.deepEqual(d.victims.map((v) => v.pid), [11]);
});
