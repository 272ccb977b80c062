// desktop-zram: lmkd's PSI strategy (the embedded default's values, config/default.toml) kills the leak before
// the working set thrashes, where oom-score (earlyoom's rule) waits for zram to fill —
// and the same comparison without zram's RAM cost and reclaim lag, where it does not hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import type { Scenario } from '../../src/sim/scenario/types.js';

const LEAK = 'leaky-node';

function scenario(change: (s: Scenario) => void = () => {}): Scenario {
  const s = loadScenario(join(REPO_ROOT, 'scenarios', 'desktop-zram.toml'));
  change(s);
  return s;
}

const domain = (s: Scenario) => {
  const d = s.domains[0];
  assert.ok(d);
  return d;
};

async function runs(s: Scenario) {
  const result = await simulateScenario(s, { runs: ['lmkd', 'oom-score'] });
  const run = (label: string) => {
    const r = result.runs.find((x) => x.label === label);
    assert.ok(r, label);
    return r;
  };
  return { lmkd: run('lmkd'), oomScore: run('oom-score') };
}

test('desktop-zram: lmkd psi kills only the leak, for low memory, before critical pressure; oom-score waits for zram to fill', async () => {
  const { lmkd, oomScore } = await runs(scenario());
  for (const r of [lmkd, oomScore]) {
    assert.deepEqual(r.kills.map((k) => [k.name, k.by]), [[LEAK, 'policy']], `${r.label} kills the leak and nothing else`);
    assert.equal(r.summary.kernelOomKills, 0, `${r.label} acts before the kernel does`);
  }
  const [l, o] = [lmkd.kills[0]!, oomScore.kills[0]!];
  assert.equal(l.reason, 'low-mem', 'free memory under the low watermark at a pressure event, zram not full');
  assert.ok(l.atMs < o.atMs, `lmkd at ${l.atMs} ms, oom-score at ${o.atMs} ms`);
  // Each run's only kill ends the pressure: its totals are what came before that kill.
  assert.equal(lmkd.summary.criticalMs, 0, 'lmkd: no critical pressure at all');
  assert.ok(oomScore.summary.criticalMs > lmkd.summary.criticalMs, `critical: oom-score ${oomScore.summary.criticalMs} ms`);
  assert.ok(oomScore.summary.stallMs > 10 * lmkd.summary.stallMs, `stall: lmkd ${lmkd.summary.stallMs} ms, oom-score ${oomScore.summary.stallMs} ms`);
  assert.match(o.why, /swap free [\d.]+ MiB of 4\.0 GiB = \d\.\d %/, 'oom-score acted only once swap was under 10 % free');
});

test('desktop-zram: with low-mem off, lmkd waits for thrashing (low-mem-and-thrashing), still before critical pressure', async () => {
  const { lmkd, oomScore } = await runs(scenario((s) => (domain(s).params.lmkd!.lowmem_min_oom_score = 1001)));
  const first = (await runs(scenario())).lmkd.kills[0]!;
  assert.deepEqual(lmkd.kills.map((k) => [k.name, k.reason]), [[LEAK, 'low-mem-and-thrashing']]);
  assert.ok(lmkd.kills[0]!.atMs > first.atMs && lmkd.kills[0]!.atMs < oomScore.kills[0]!.atMs, `at ${lmkd.kills[0]!.atMs} ms: after low-mem's, before oom-score's`);
  assert.equal(lmkd.summary.criticalMs, 0);
});

test('desktop-zram without reclaim lag: free memory never dips; lmkd waits for direct reclaim and thrashing', async () => {
  const { lmkd } = await runs(scenario((s) => (domain(s).reclaimLag = false)));
  assert.deepEqual(lmkd.kills.map((k) => [k.name, k.reason]), [[LEAK, 'direct-reclaim-and-thrashing']]);
});

test('desktop-zram without zram cost or reclaim lag: lmkd no longer acts before oom-score (the comparison can fail)', async () => {
  const { lmkd, oomScore } = await runs(scenario((s) => {
    domain(s).zramRatio = null;
    domain(s).reclaimLag = false;
  }));
  // Disk swap frees a whole page per page swapped: swap keeps up with the leak until it is full.
  assert.ok(lmkd.kills[0]!.atMs >= oomScore.kills[0]!.atMs, `lmkd at ${lmkd.kills[0]!.atMs} ms, oom-score at ${oomScore.kills[0]!.atMs} ms`);
  assert.equal(lmkd.kills[0]!.reason, 'low-swap-and-thrashing', 'it acts only once swap is low and the working set thrashes');
});
