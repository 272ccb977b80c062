// oom-score: earlyoom's thresholds and choice, and the oom_score estimate checked against
// the kernel's own number for this very process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decideOomScore, estimateOomScore, oomScore, type OomScoreParams } from '../../src/policy/oom-score.js';
import type { MemoryState } from '../../src/model/snapshot.js';
import { ctx, GiB, memory, MiB, pids, proc, sized, snap } from './build.js';

const params: OomScoreParams = { memAvailablePercent: 10, swapFreePercent: 10 };

/** 1000 MiB of RAM with `availMiB` available; swap total/free in MiB. */
function mem(availMiB: number, swapTotalMiB = 0, swapFreeMiB = 0): MemoryState {
  return memory({ totalKiB: 1000 * MiB, availableKiB: availMiB * MiB, swapTotalKiB: swapTotalMiB * MiB, swapFreeKiB: swapFreeMiB * MiB });
}

test('acts when available memory and free swap are both at or below their thresholds', () => {
  assert.equal(oomScore.needsAction({ memory: mem(50) }, params), true, '5 %, no swap counts as 0 % free');
  assert.equal(oomScore.needsAction({ memory: mem(100) }, params), true, 'exactly 10 %: earlyoom compares with <=');
  assert.equal(oomScore.needsAction({ memory: mem(101) }, params), false);
  assert.equal(oomScore.needsAction({ memory: mem(50, 1000, 500) }, params), false, 'swap still 50 % free');
  assert.equal(oomScore.needsAction({ memory: mem(50, 1000, 50) }, params), true);
});

test('a cgroup2 group with memory.swap.max: its own swap share counts, not the machine\'s zram', () => {
  // 1 GiB zram on the machine, 990 MiB of it free; the group may swap 16 MiB and has 15 in swap.
  const machine = mem(500, 1024, 990);
  const group = { path: '/sys/fs/cgroup/g', usageKiB: 180 * MiB, limitKiB: 184 * MiB, swapKiB: 15 * MiB, swapLimitKiB: 16 * MiB };
  assert.equal(oomScore.needsAction({ memory: machine, cgroup: group }, params), true, '4 MiB of 184 available, 1 of 16 MiB swap free');
  assert.equal(oomScore.needsAction({ memory: machine, cgroup: { ...group, swapKiB: 2 * MiB } }, params), false, '14 of 16 MiB of its swap free');
  assert.equal(oomScore.needsAction({ memory: machine, cgroup: { ...group, swapLimitKiB: null } }, params), false, 'no swap.max: the machine\'s 97 % free swap counts');
  assert.equal(oomScore.needsAction({ memory: mem(500, 1024, 0), cgroup: { ...group, swapKiB: 0 } }, params), true, 'free capped by the machine\'s SwapFree');
});

test('the victim has the highest oom_score; the largest RSS breaks a tie, then the lower pid', () => {
  const ps = [sized(11, 0, 10, { oomScore: 700 }), sized(12, 0, 20, { oomScore: 900 }), sized(13, 0, 30, { oomScore: 900 }), sized(14, 0, 30, { oomScore: 900 })];
  const d = decideOomScore(snap(ps, mem(50)), {}, params, ctx());
  assert.deepEqual(pids(d.victims), [13]);
  assert.deepEqual(pids(d.candidates), [13, 14, 12, 11]);
  assert.equal(d.reason, 'low-memory');
  assert.match(d.victims[0]?.why ?? '', /Sending SIGKILL to process 13 "p13": oom_score 900, VmRSS 30\.0 MiB/);
  const swapped = decideOomScore(snap(ps, mem(50, 1000, 50)), {}, params, ctx());
  assert.equal(swapped.reason, 'low-swap');
});

test('memory not low: no victim, the candidates still ranked', () => {
  const d = decideOomScore(snap([sized(11, 0, 10)], mem(500)), {}, params, ctx());
  assert.equal(d.victims.length, 0);
  assert.equal(d.candidates.length, 1);
  assert.match(d.summary, /Memory is not low: available 500\.0 MiB of 1000\.0 MiB = 50\.0 %/);
});

test('the oom_score estimate follows the kernel formula', () => {
  const m = { totalKiB: 1000 * MiB, swapTotalKiB: 0 };
  assert.equal(estimateOomScore(sized(11, 0, 500), m), 1000, '(1000 + 500) * 2 / 3');
  assert.equal(estimateOomScore(proc(11, { oomScoreAdj: 1000, rssAnonKiB: 0 }), m), 1333);
  assert.equal(estimateOomScore(sized(11, -1000, 500), m), 0);
  assert.equal(estimateOomScore(proc(11, { oomScoreAdj: 0, rssAnonKiB: 0 }), m), 666);
  // Page tables count: 1.5 thousandths of the total (1.5 MiB here) is one point.
  assert.equal(estimateOomScore(proc(11, { rssAnonKiB: 0, pageTablesKiB: 3 * MiB }), m), 668);
  // A snapshot without oom_score ranks by the estimate: adj 500 small beats adj 0 large.
  const d = decideOomScore(snap([sized(11, 0, 300), sized(12, 500, 10)], mem(50)), {}, params, ctx());
  assert.equal(d.victims[0]?.pid, 12);
  assert.match(d.victims[0]?.why ?? '', /\(estimated\)/);
});

function kib(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test("the estimate equals the kernel's /proc/self/oom_score", () => {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const status = readFileSync('/proc/self/status', 'utf8');
  const kernel = Number(readFileSync('/proc/self/oom_score', 'utf8'));
  const self = proc(process.pid, {
    oomScoreAdj: Number(readFileSync('/proc/self/oom_score_adj', 'utf8')),
    rssAnonKiB: kib(status, 'RssAnon'),
    rssFileKiB: kib(status, 'RssFile'),
    rssShmemKiB: kib(status, 'RssShmem'),
    swapKiB: kib(status, 'VmSwap'),
    pageTablesKiB: kib(status, 'VmPTE'),
  });
  const estimate = estimateOomScore(self, { totalKiB: kib(meminfo, 'MemTotal'), swapTotalKiB: kib(meminfo, 'SwapTotal') });
  // The test's own memory may move between the reads by a few pages: at most a point.
  assert.ok(Math.abs(estimate - kernel) <= 1, `estimate ${estimate}, kernel ${kernel}`);
});

test('in a cgroup domain, available = limit - usage + page cache, against the limit', () => {
  const cgroup = { path: '/sys/fs/cgroup/memory/apps', usageKiB: 98 * MiB, limitKiB: 100 * MiB, fileKiB: 5 * MiB };
  const report = oomScore.explainTrigger?.({ memory: memory({ totalKiB: 8 * GiB, availableKiB: 4 * GiB }), cgroup }, params);
  assert.equal(report?.values.availableKiB, 7 * MiB);
  assert.equal(report?.values.availablePercent, 7);
  assert.equal(report?.active, true);
});

test('swap_combine "or": acts when memory alone is low, or swap alone; no swap never counts as low swap', async () => {
  const { thresholdsMet, memoryLevels } = await import('../../src/policy/oom-score.js');
  const { memory: m, GiB: G } = await import('./build.js');
  const p = { memAvailablePercent: 10, swapFreePercent: 10 };
  const memLowSwapFull = memoryLevels({ memory: m({ totalKiB: 4 * G, availableKiB: 0.3 * G, swapTotalKiB: 8 * G, swapFreeKiB: 8 * G }) });
  const memFineSwapLow = memoryLevels({ memory: m({ totalKiB: 4 * G, availableKiB: 2 * G, swapTotalKiB: 8 * G, swapFreeKiB: 0.5 * G }) });
  const memFineNoSwap = memoryLevels({ memory: m({ totalKiB: 4 * G, availableKiB: 2 * G, swapTotalKiB: 0, swapFreeKiB: 0 }) });
  assert.equal(thresholdsMet(memLowSwapFull, p), false, 'earlyoom\'s AND: full zram swap holds it back');
  assert.equal(thresholdsMet(memLowSwapFull, { ...p, swapCombine: 'or' }), true);
  assert.equal(thresholdsMet(memFineSwapLow, { ...p, swapCombine: 'or' }), true);
  assert.equal(thresholdsMet(memFineNoSwap, { ...p, swapCombine: 'or' }), false);
  assert.equal(thresholdsMet(memFineNoSwap, p), false);
});
