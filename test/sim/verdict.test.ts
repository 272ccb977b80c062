// The verdict: which run did best by the stated criterion, the remarks a reader needs
// (tabs dying for a leak, frozen victims, what reaping changed), and the same facts in the
// text report and the JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import { textReport } from '../../src/sim/report/text.js';
import { jsonReport } from '../../src/sim/report/json.js';
import { verdict } from '../../src/sim/report/verdict.js';
import { bestSentence, runSentence } from '../../src/sim/report/verdict-words.js';
import { ADJ_BANDS, adjBand, type KillEntry, type RunResult, type SimulationResult } from '../../src/sim/results.js';

const scenario = (name: string): Promise<SimulationResult> => simulateScenario(loadScenario(join(REPO_ROOT, 'scenarios', `${name}.toml`)));

function kill(atMs: number, name: string, adj: number, sizeKiB: number, by: KillEntry['by'] = 'policy'): KillEntry {
  return { atMs, domain: 'machine', pid: 1000 + atMs, name, uid: 1000, oomScoreAdj: adj, band: adjBand(adj), by, reason: by === 'policy' ? 'minfree' : 'kernel-oom', why: '', sizeKiB, freedKiB: sizeKiB, reapedKiB: sizeKiB, reaped: true, exitAtMs: atMs + 100, notes: [], reclaim: null };
}

function run(label: string, kills: KillEntry[], criticalMs = 0): RunResult {
  const lostByBand = Object.fromEntries(ADJ_BANDS.map((b) => [b, kills.filter((k) => k.band === b).length])) as RunResult['summary']['lostByBand'];
  return {
    label,
    reap: 'on',
    domains: [{ name: 'machine', policy: 'simple-lmk', reap: true, criticalMs, stallMs: 0, blockedMs: 0, peakUsedKiB: 0, minAvailableKiB: 0, triggers: 0, reclaims: kills.length }],
    kills,
    reclaims: [],
    summary: { kills: kills.length, kernelOomKills: kills.filter((k) => k.by === 'kernel-oom').length, freedKiB: 0, overshootKiB: 0, criticalMs, stallMs: 0, lostByBand, reclaimTimeouts: 0 },
    timelines: new Map(),
  };
}

function sim(runs: RunResult[]): SimulationResult {
  return { name: 't', description: '', kind: 'scenario', durationMs: 300_000, tickMs: 100, domains: [{ name: 'machine', sizeKiB: 8 << 20, swapKiB: 0, kind: 'machine' }], processes: 10, runs };
}

test('criterion: a kernel OOM kill loses to more cached kills; a foreground loss to any number of cached ones', () => {
  const cachedOnly = run('cached-only', [kill(1000, 'c1', 950, 1000), kill(2000, 'c2', 960, 1000), kill(3000, 'c3', 970, 1000)]);
  const foreground = run('foreground', [kill(1000, 'fg', 0, 1000)]);
  const oom = run('oom', [kill(1000, 'c1', 950, 1000, 'kernel-oom')]);
  assert.deepEqual(verdict(sim([foreground, oom, cachedOnly])).best, ['cached-only']);
  assert.deepEqual(verdict(sim([foreground, oom])).best, ['foreground']);
  // Critical pressure decides before cached losses, and equal runs tie.
  const slow = run('slow', [kill(1000, 'c1', 950, 1000)], 5000);
  const fast = run('fast', [kill(1000, 'c1', 950, 1000), kill(2000, 'c2', 960, 1000)], 0);
  assert.deepEqual(verdict(sim([slow, fast])).best, ['fast']);
  assert.deepEqual(verdict(sim([fast, { ...fast, label: 'twin' }])).best, ['fast', 'twin']);
});

test('the collateral remark needs a big victim at lower adj reached last, and quiet after it', () => {
  const tabs = [kill(10_000, 'tab1', 900, 300_000), kill(30_000, 'tab2', 800, 300_000), kill(50_000, 'tab3', 700, 300_000)];
  const leak = kill(70_000, 'leaker', 0, 2_000_000);
  const hit = verdict(sim([run('leak', [...tabs, leak])])).runs[0]?.remarks ?? [];
  assert.ok(hit.some((r) => r.includes('ended only when leaker') && r.includes('first 3 kills')), hit.join('\n'));
  // Without the feature's conditions it stays silent: a small last victim, or one at higher adj.
  const small = verdict(sim([run('small', [...tabs, kill(70_000, 'leaker', 0, 100_000)])])).runs[0]?.remarks ?? [];
  assert.ok(!small.some((r) => r.includes('ended only when')), small.join('\n'));
  const higher = verdict(sim([run('higher', [...tabs, kill(70_000, 'leaker', 950, 2_000_000)])])).runs[0]?.remarks ?? [];
  assert.ok(!higher.some((r) => r.includes('ended only when')), higher.join('\n'));
});

test('desktop-leak: every policy kills tabs before the leaker, and the verdict says so', async () => {
  const v = verdict(await scenario('desktop-leak'));
  assert.deepEqual(v.best, ['oom-score']);
  for (const r of v.runs) {
    assert.ok(r.remarks.some((m) => /came back after each of the first [78] kills .*ended only when leaky-daemon/.test(m)), `${r.label}: ${r.remarks.join(' | ')}`);
  }
});

test('frozen-background: the verdict says what reaping changed and that frozen victims were reaped', async () => {
  const v = verdict(await simulateScenario(loadScenario(join(REPO_ROOT, 'scenarios', 'frozen-background.toml'))));
  const on = v.runs.find((r) => r.label === 'lmkd');
  const off = v.runs.find((r) => r.label === 'lmkd (no reap)');
  assert.ok(on?.remarks.some((m) => m.includes('frozen') && m.includes('reaping freed')), on?.remarks.join(' | '));
  assert.ok(off?.remarks.some((m) => m.includes('were not reaped')), off?.remarks.join(' | '));
  assert.ok(v.remarks.some((m) => m.startsWith('Without reaping, lmkd lost 5 processes instead of 2') && m.includes('game at adj 0')), v.remarks.join(' | '));
});

test('the text report and the JSON carry the same verdict', async () => {
  for (const name of ['desktop-leak', 'container-host']) {
    const r = await scenario(name);
    const text = textReport(r).replace(/\s+/g, ' ');
    const json = JSON.parse(jsonReport(r)) as { verdict: { best: string[]; sentence: string; runs: Array<{ label: string; sentence: string; remarks: string[]; best: boolean }> } };
    const v = verdict(r);
    assert.deepEqual(json.verdict.best, v.best);
    assert.equal(json.verdict.sentence, bestSentence(v));
    assert.ok(text.indexOf('== Verdict') < text.indexOf('Kills ('), `${name}: the verdict comes first`);
    assert.ok(text.includes(bestSentence(v)), `${name}: best sentence in text`);
    json.verdict.runs.forEach((jr, i) => {
      const vr = v.runs[i];
      assert.ok(vr);
      assert.equal(jr.sentence, runSentence(vr));
      assert.ok(text.includes(jr.sentence), `${name}/${jr.label}: run sentence in text`);
      for (const m of jr.remarks) assert.ok(text.includes(m), `${name}/${jr.label}: remark in text: ${m}`);
    });
  }
});

test('android-app-cache: the verdict says when zram swap was full, and only then', async () => {
  const v = verdict(await scenario('android-app-cache'));
  const full = (label: string): boolean => v.runs.find((r) => r.label === label)?.remarks.some((m) => m.startsWith('Swap filled (1.0 GiB of 1.0 GiB)')) ?? false;
  assert.equal(full('simple-lmk'), true);
  assert.equal(full('lmkd'), false, 'lmkd kept swap nearly empty (16 MiB at most)');
});
