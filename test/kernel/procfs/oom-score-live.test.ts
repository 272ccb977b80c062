// The oom_score reapd works out (policy/oom-badness.ts) against the kernel's own, on real
// processes of various sizes and adj (>= 0: root here cannot lower an adj), scanned the
// way the daemon scans for oom-score: incrementally, without oom_score (scoreOnDemand).
// Each worked-out score must equal /proc/PID/oom_score, the order by them must be the
// order by the kernel's, and reading the kernel's value only for the processes
// scoresUsed names (readScores) must give the victim reading every one would.
// Only the hogs this test starts are compared and signalled; < 1 GiB allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KernelProcessSource } from '../../../src/kernel/source.js';
import type { ProcessInfo, Snapshot } from '../../../src/model/snapshot.js';
import { decideOomScore, estimateOomScore, oomScore, type OomScoreParams } from '../../../src/policy/oom-score.js';
import { NO_RULES, type PolicyContext } from '../../../src/policy/types.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';
import { needCc } from '../../helpers/skip.js';

/** [MiB, adj]: sizes a few points apart at this machine's 24 GiB (one point ≈ 36 MiB), and adj that outweighs size. */
const HOGS: Array<[number, number]> = [
  [0, 0], [24, 0], [64, 0], [128, 0], [200, 0], [300, 0],
  [8, 1], [40, 250], [100, 500], [8, 1000], [4, 999],
];

const kernelScore = (pid: number): number => Number(readFileSync(`/proc/${pid}/oom_score`, 'utf8'));

function rank(ps: readonly ProcessInfo[], score: (p: ProcessInfo) => number): number[] {
  const rss = (p: ProcessInfo): number => p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB;
  return [...ps].sort((a, b) => score(b) - score(a) || rss(b) - rss(a) || a.pid - b.pid).map((p) => p.pid);
}

const params: OomScoreParams = { memAvailablePercent: 10, swapFreePercent: 10 };

/** The hogs alone, with memory "low" so that oom-score acts. */
function hogsOnly(s: Snapshot, pids: ReadonlySet<number>): Snapshot {
  return { ...s, memory: { ...s.memory, availableKiB: 0 }, processes: s.processes.filter((p) => pids.has(p.pid)) };
}

test("the worked-out oom_score equals the kernel's, and ranks the same, on real processes", { skip: needCc(), timeout: 60_000 }, async () => {
  const hogs: Hog[] = HOGS.map(([mib, adj], i) => spawnHog({ mib, oomScoreAdj: adj, name: `reapd-oomscore-${i}` }));
  const source = new KernelProcessSource({ scanMode: 'incremental', scoreOnDemand: true });
  try {
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 30_000, 'hogs ready');
    const pids = new Set(hogs.map((h) => h.pid));
    await source.scan(); // first sight: read in full
    const snapshot = await source.scan();
    const ours = snapshot.processes.filter((p) => pids.has(p.pid));
    assert.equal(ours.length, HOGS.length, 'every hog scanned');
    const kernel = new Map(ours.map((p) => [p.pid, kernelScore(p.pid)]));
    for (const p of ours) {
      assert.equal(p.oomScore, undefined, 'the daemon scan leaves oom_score out');
      assert.equal(estimateOomScore(p, snapshot.memory), kernel.get(p.pid), `pid ${p.pid} (adj ${p.oomScoreAdj}, ${p.rssAnonKiB} KiB anon, ${p.pageTablesKiB ?? 0} KiB page tables)`);
    }
    assert.ok(new Set(kernel.values()).size >= 6, `the hogs cover several scores: ${[...kernel.values()].join(' ')}`);
    assert.deepEqual(rank(ours, (p) => estimateOomScore(p, snapshot.memory)), rank(ours, (p) => kernel.get(p.pid) ?? 0));

    // The decision, reading the kernel's value only where scoresUsed says, as the engine does.
    const c: PolicyContext = { nowMs: 0, rules: NO_RULES };
    let s = hogsOnly(snapshot, pids);
    let decision = decideOomScore(s, {}, params, c);
    for (let round = 0; round < 10; round++) {
      const used = oomScore.scoresUsed?.(s, decision, params, c) ?? (() => false);
      const fresher = await source.readScores((p) => pids.has(p.pid) && used(p));
      if (fresher === undefined) break;
      s = hogsOnly(fresher, pids);
      decision = decideOomScore(s, {}, params, c);
    }
    const read = s.processes.filter((p) => p.oomScore !== undefined);
    assert.ok(read.length >= 1 && read.length < HOGS.length, `read ${read.length} of ${HOGS.length} oom_scores`);
    for (const p of read) assert.equal(p.oomScore, kernel.get(p.pid));
    const everyKernel = { ...s, processes: s.processes.map((p) => ({ ...p, oomScore: kernel.get(p.pid) ?? 0 })) };
    assert.equal(decision.victims[0]?.pid, decideOomScore(everyKernel, {}, params, c).victims[0]?.pid);
  } finally {
    source.close();
    await Promise.all(hogs.map((h) => h.kill()));
  }
});
