// lowmemorykiller, case by case from seed 002's lowmem_scan() and its parameter handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLowmemorykiller, lowmemorykiller, type LowmemorykillerParams, type LowmemorykillerState } from '../../src/policy/lowmemorykiller.js';
import { DEFAULT_LEVELS, lowmemFreeFile, oomAdjToScoreAdj } from '../../src/policy/table.js';
import { parseLevels } from '../../src/policy/params.js';
import type { MemoryState, ProcessInfo } from '../../src/model/snapshot.js';
import { ctx, memory, MiB, pids, proc, sized, snap } from './build.js';

const params: LowmemorykillerParams = { levels: DEFAULT_LEVELS.map((l) => ({ ...l })), deathPendingMs: 1000 };

/** Memory whose other_free and other_file come out as given (MiB). */
function mem(freeMiB: number, fileMiB: number): MemoryState {
  return memory({ freeKiB: freeMiB * MiB, reserveKiB: 0, cachedKiB: fileMiB * MiB, buffersKiB: 0, shmemKiB: 0, unevictableKiB: 0 });
}

const run = (ps: ProcessInfo[], m: MemoryState, state: LowmemorykillerState = {}, nowMs = 0) =>
  decideLowmemorykiller(snap(ps, m), state, params, ctx({ nowMs }));

test("the seed's default table: 1536, 2048, 4096, 16384 pages with adj 0, 1, 6, 12 converted", () => {
  assert.deepEqual(parseLevels('1536p:0,2048p:1,4096p:6,16384p:12'), DEFAULT_LEVELS);
  assert.deepEqual(DEFAULT_LEVELS.map((l) => l.adj), [0, 58, 352, 705]);
  assert.deepEqual(lowmemorykiller.defaultParams(), params);
});

test('other_free = free - reserve; other_file = cached + buffers - shmem - unevictable', () => {
  const ff = lowmemFreeFile({
    memory: memory({ freeKiB: 100 * MiB, reserveKiB: 20 * MiB, cachedKiB: 200 * MiB, buffersKiB: 10 * MiB, shmemKiB: 50 * MiB, unevictableKiB: 5 * MiB, swapCachedKiB: 30 * MiB }),
  });
  assert.equal(ff.otherFreeKiB, 80 * MiB);
  assert.equal(ff.otherFileKiB, 155 * MiB, "meminfo's Cached already excludes the swap cache");
});

test('a level applies only when other_free AND other_file are both below its minfree', () => {
  const ps = [sized(11, 58, 100), sized(12, 352, 1)];
  // other_free 4 MiB is below every level; other_file 10 MiB only below 16 and 64 MiB.
  const d = run(ps, mem(4, 10));
  assert.deepEqual(pids(d.victims), [12], 'level 3 (16 MiB, adj 352) applies, so adj 58 may not die');
  assert.equal(d.skipped.find((s) => s.pid === 11)?.reason, 'adj-below-min');
  assert.match(d.victims[0]?.why ?? '', /level 3 applies/);
  // Only other_file is low: nothing applies.
  const fileOnly = run(ps, mem(100, 1));
  assert.equal(fileOnly.victims.length, 0);
  assert.match(fileOnly.summary, /No level applies/);
  assert.equal(lowmemorykiller.needsAction({ memory: mem(100, 1) }, params), false);
  assert.equal(lowmemorykiller.needsAction({ memory: mem(4, 10) }, params), true);
});

test('the first level (lowest minfree) that applies sets min_adj', () => {
  const d = run([sized(11, 0, 500), sized(12, 58, 1)], mem(1, 1));
  assert.deepEqual(pids(d.victims), [12], 'level 1 applies (min adj 0), but the highest adj still goes first');
  assert.equal(d.targetKiB, 6 * MiB);
});

test('the highest adj wins over size; within an adj, only a strictly larger size replaces the choice', () => {
  const d = run([sized(11, 705, 10), sized(12, 900, 1), sized(13, 900, 3), sized(14, 900, 3)], mem(1, 1));
  assert.deepEqual(pids(d.victims), [13], 'adj 900, 3 MiB; pid 14 is as large but not larger');
  assert.deepEqual(pids(d.candidates), [13, 14, 12, 11]);
});

test('size is resident only (anon + file + shmem, no swap); zero resident is not a candidate', () => {
  const d = run(
    [proc(11, { oomScoreAdj: 900, rssAnonKiB: 0, swapKiB: 900 * MiB }), proc(12, { oomScoreAdj: 900, rssAnonKiB: 10, rssFileKiB: 5, rssShmemKiB: 1, swapKiB: 100 })],
    mem(1, 1),
  );
  assert.equal(d.skipped.find((s) => s.pid === 11)?.reason, 'no-memory');
  assert.equal(d.victims[0]?.sizeKiB, 16);
});

test('one victim per scan', () => {
  const d = run([sized(11, 900, 1), sized(12, 800, 1), sized(13, 700, 1)], mem(1, 1));
  assert.equal(d.victims.length, 1);
});

test('death pending: no kill while the last victim is present and at most 1 s has passed', () => {
  const a = sized(10, 900, 50);
  const b = sized(11, 800, 50);
  const first = run([a, b], mem(1, 1), {}, 10_000);
  assert.deepEqual(pids(first.victims), [10]);
  assert.deepEqual(first.state.pending, { pid: 10, startTime: a.startTime, name: a.name, killedAtMs: 10_000 });
  const dying = { ...a, exiting: true };
  const held = run([dying, b], mem(1, 1), first.state, 10_500);
  assert.equal(held.victims.length, 0);
  assert.match(held.summary, /Death pending: p10 \(10\) was killed 500 ms ago/);
  assert.deepEqual(held.state, first.state);
  // time_before_eq(jiffies, timeout): still pending at exactly 1000 ms.
  assert.equal(run([dying, b], mem(1, 1), first.state, 11_000).victims.length, 0);
  assert.deepEqual(pids(run([dying, b], mem(1, 1), first.state, 11_001).victims), [11]);
  // Gone (or a zombie, or a new process on the same pid): no hold-off.
  assert.deepEqual(pids(run([b], mem(1, 1), first.state, 10_500).victims), [11]);
  assert.deepEqual(pids(run([{ ...dying, state: 'Z' }, b], mem(1, 1), first.state, 10_500).victims), [11]);
  assert.deepEqual(pids(run([{ ...a, startTime: 99 }, b], mem(1, 1), first.state, 10_500).victims), [10]);
});

test('death pending only matters when a level applies', () => {
  const pending = { pending: { pid: 10, startTime: 1010, name: 'p10', killedAtMs: 0 } };
  const d = run([sized(10, 900, 1)], mem(500, 500), pending, 10);
  assert.match(d.summary, /No level applies/);
});

test('legacy oom_adj tables are converted as lowmem_autodetect_oom_adj_values() does', () => {
  assert.equal(oomAdjToScoreAdj(15), 1000);
  assert.equal(oomAdjToScoreAdj(-17), -1000);
  assert.equal(oomAdjToScoreAdj(1), 58);
  assert.deepEqual(parseLevels('6MiB:0,8MiB:1,16MiB:6,64MiB:15').map((l) => l.adj), [0, 58, 352, 1000]);
  // The last adj decides: > 15 is already oom_score_adj; 0 converts to 0 (<= 15): no conversion.
  assert.deepEqual(parseLevels('6MiB:0,64MiB:16').map((l) => l.adj), [0, 16]);
  assert.deepEqual(parseLevels('6MiB:1,64MiB:0').map((l) => l.adj), [1, 0]);
});

test('a cgroup domain: other_free = limit - usage, other_file = the group page cache', () => {
  const cgroup = { path: '/sys/fs/cgroup/memory/apps', usageKiB: 95 * MiB, limitKiB: 100 * MiB, fileKiB: 3 * MiB };
  const view = { memory: mem(4096, 4096), cgroup };
  const ff = lowmemFreeFile(view);
  assert.equal(ff.otherFreeKiB, 5 * MiB);
  assert.equal(ff.otherFileKiB, 3 * MiB);
  assert.equal(lowmemorykiller.needsAction(view, params), true, '5 MiB < 6 MiB and 3 MiB < 6 MiB');
  const noLimit = { memory: mem(4096, 4096), cgroup: { ...cgroup, limitKiB: null } };
  assert.equal(lowmemFreeFile(noLimit).otherFreeKiB, 4096 * MiB, 'no limit: the machine numbers');
  const report = lowmemorykiller.explainTrigger?.(view, params);
  assert.equal(report?.levels?.findIndex((l) => l.applies), 0);
  assert.equal(report?.values.minAdj, 0);
});
