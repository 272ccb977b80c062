// The daemon's engine, driven tick by tick: one reclaim at a time, waits that end on the
// exit tick or the timeout, pressure events rate-limited to one per PSI window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../../src/sim/run.js';
import { scenario } from './helpers.js';

function slowVictims(extra: Record<string, unknown> = {}) {
  return scenario({
    duration: '60s',
    domain: [{ size: '2GiB', cache: '256MiB', cache_floor: '128MiB', system_processes: false, starved_factor: 200, ...extra }],
    process: [
      { name: 'slow{i}', count: 4, adj: [700, 1000], memory: '200MiB', cpu_starved: true },
      { name: 'grower', memory: { curve: 'leak', from: '100MiB', rate: '40MiB/s' } },
    ],
  });
}

test('one reclaim at a time: a victim slower than the timeout ends its reclaim at the timeout', async () => {
  const s = slowVictims({ reclaim_timeout: '3s', reap: false });
  const run = await runScenario(s, { label: 'simple-lmk', policyFor: () => 'simple-lmk', reap: null });
  // (While the engine waits, the kernel's OOM killer may strike too: those have no reclaim.)
  const slow = run.kills.filter((k) => k.name.startsWith('slow') && k.by === 'policy');
  assert.ok(slow.length >= 2, `slow victims killed: ${slow.length}`);
  for (const k of slow) {
    assert.equal(run.reclaims[k.reclaim ?? -1]?.timedOut, true, 'a starved victim needs (20 + 30 × 0.2) × 200 ms = 5.2 s > 3 s to exit');
    assert.ok(k.exitAtMs !== null && k.exitAtMs - k.atMs >= 5200, `${k.name} exited after its starved exit time`);
  }
  for (let i = 1; i < run.reclaims.length; i++) {
    const gap = (run.reclaims[i]?.atMs ?? 0) - (run.reclaims[i - 1]?.atMs ?? 0);
    assert.ok(gap >= 3000, `reclaim ${i + 1} began ${gap} ms after the previous: events in between were absorbed`);
  }
  assert.ok(run.summary.reclaimTimeouts >= slow.length);
});

test('waits end on the exit tick: with reaping the same victims free their memory at the kill', async () => {
  const s = slowVictims({ reclaim_timeout: '3s' });
  const run = await runScenario(s, { label: 'simple-lmk', policyFor: () => 'simple-lmk', reap: true });
  const slow = run.kills.filter((k) => k.name.startsWith('slow'));
  assert.ok(slow.length > 0);
  for (const k of slow) assert.equal(k.reapedKiB, 200 * 1024, 'anon reaped at once, though the victim exits seconds later');
  const noReap = await runScenario(s, { label: 'x', policyFor: () => 'simple-lmk', reap: false });
  assert.ok(run.summary.stallMs < noReap.summary.stallMs, `stall ${run.summary.stallMs} ms with reaping vs ${noReap.summary.stallMs} ms without`);
});

test('pressure events: at most one per PSI window; threshold policies are asked every tick', async () => {
  const s = slowVictims({ psi_window: '2s', psi_stall: '50ms' });
  const pressure = await runScenario(s, { label: 'simple-lmk', policyFor: () => 'simple-lmk', reap: null });
  const d = pressure.domains[0];
  assert.ok(d && d.triggers > 0 && d.triggers <= 60_000 / 2000, `${d?.triggers} events in 60 s with a 2 s window`);
  const threshold = await runScenario(s, { label: 'oom-score', policyFor: () => 'oom-score', reap: null });
  assert.equal(threshold.domains[0]?.triggers, 600, 'one poll per 100 ms tick');
});

/** A machine with zram, three idle programs and a leak, guarded by lmkd's PSI strategy in the desktop's settings. */
function lmkdPsiLeak(duration: string, rate: string) {
  return scenario({
    duration,
    domain: [{
      size: '2GiB', swap: '512MiB', cache: '256MiB', cache_floor: '128MiB', system_processes: false,
      params: { lmkd: { mode: 'psi', perceptible_adj: -1, lowmem_min_oom_score: 0 } },
    }],
    process: [
      { name: 'idle{i}', count: 3, adj: [0, 0], memory: '100MiB' },
      { name: 'grower', memory: { curve: 'leak', from: '100MiB', rate } },
    ],
  });
}

test('lmkd psi in the simulator: the policy\'s own PSI levels wake it, it kills for lmkd\'s named reasons, the heaviest first', async () => {
  const s = lmkdPsiLeak('60s', '60MiB/s');
  const run = await runScenario(s, { label: 'lmkd', policyFor: () => 'lmkd', reap: true });
  const byPolicy = run.kills.filter((k) => k.by === 'policy');
  assert.ok(byPolicy.length > 0, 'lmkd killed');
  for (const k of byPolicy) assert.match(k.reason, /^(pressure-after-kill|not-responding|low-swap-and-thrashing|low-mem-and-swap|low-mem-and-thrashing|direct-reclaim-and-thrashing|low-mem-and-swap-util|low-filecache-after-thrashing|low-mem)$/);
  assert.ok(byPolicy.some((k) => k.name === 'grower'), 'the heaviest (the grower) dies');
});

test('lmkd psi in the simulator polls for a window after each PSI event, as lmkd does: free memory that falls below the low watermark between two events is seen at a poll', async () => {
  // A fast leak on a machine whose cache is nearly gone: the first PSI event may find free
  // memory above the low watermark (no reason), and the kernel sends the next one only a
  // window later. lmkd (and reapd) re-assess every 100 ms for that window.
  const s = lmkdPsiLeak('30s', '200MiB/s');
  const run = await runScenario(s, { label: 'lmkd', policyFor: () => 'lmkd', reap: true });
  const triggers = run.reclaims.map((r) => r.trigger);
  assert.ok(run.kills.some((k) => k.by === 'policy' && k.name === 'grower'), 'the grower died');
  assert.ok(triggers.some((t) => /psi-poll/.test(t)), `a kill came at a poll between PSI events: ${triggers.join(', ')}`);
});
