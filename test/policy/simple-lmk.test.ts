// Simple LMK, case by case from seed 000's find_victims / process_victims / scan_and_kill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSimpleLmk, MAX_VICTIMS, planSimpleLmk, simpleLmk, type SimpleLmkParams } from '../../src/policy/simple-lmk.js';
import type { ProcessInfo } from '../../src/model/snapshot.js';
import { ctx, GiB, MiB, pids, proc, sized, snap } from './build.js';

const params = (minfreeMiB: number): SimpleLmkParams => ({ minfreeKiB: minfreeMiB * MiB, reclaimTimeoutMs: 200 });
const run = (ps: ProcessInfo[], minfreeMiB: number) => decideSimpleLmk(snap(ps), {}, params(minfreeMiB), ctx());

test('size counts every mm counter: anon + file + shmem + swap (get_total_mm_pages)', () => {
  const p = proc(10, { oomScoreAdj: 900, rssAnonKiB: 1000, rssFileKiB: 200, rssShmemKiB: 30, swapKiB: 4 });
  const d = run([p], 64);
  assert.equal(d.victims[0]?.sizeKiB, 1234);
  assert.equal(d.candidates[0]?.sizeKiB, 1234);
});

test('buckets go from the highest adj present down, and stop once found >= minfree', () => {
  // adj 900 holds 30 MiB >= 25 MiB: adj 500 and adj 0 are never collected.
  const d = run([sized(11, 900, 10), sized(12, 900, 20), sized(13, 500, 100), sized(14, 0, 500)], 25);
  assert.deepEqual(pids(d.victims), [12, 11], 'both needed; pass 2 orders them by size');
  assert.match(d.candidates.find((c) => c.pid === 13)?.note ?? '', /not collected/);
  assert.match(d.candidates.find((c) => c.pid === 14)?.note ?? '', /not collected/);
  assert.equal(d.reason, 'minfree');
});

test('one large process at a lower adj dies instead of several small ones at a higher adj', () => {
  // List [10,10,10 @900, 100 @800]; found 130 > 64: pass 1 keeps all four (30 < 64 before
  // the last), pass 2 sorts them by size and keeps only the 100 MiB one.
  const d = run([sized(11, 900, 10), sized(12, 900, 10), sized(13, 900, 10), sized(14, 800, 100)], 64);
  assert.deepEqual(pids(d.victims), [14]);
  for (const pid of [11, 12, 13]) assert.match(d.candidates.find((c) => c.pid === pid)?.note ?? '', /kept by pass 1/);
});

test('pass 1 drops what comes after the running total reached minfree', () => {
  const d = run([sized(11, 900, 70), sized(12, 900, 10)], 60);
  assert.deepEqual(pids(d.victims), [11]);
  assert.match(d.candidates.find((c) => c.pid === 12)?.note ?? '', /collected; minfree was reached before it/);
});

test('found exactly equal to minfree: no two-pass selection, every collected process dies in list order', () => {
  // found = 10 + 54 = 64 MiB == minfree: "if (pages_found > MIN_FREE_PAGES)" is false.
  const equal = planSimpleLmk(snap([sized(11, 900, 10), sized(12, 500, 54)]), params(64), ctx());
  assert.equal(equal.collection.foundKiB, 64 * MiB);
  assert.equal(equal.selection.mode, 'all');
  assert.deepEqual(equal.selection.victims.map((c) => c.p.pid), [11, 12], 'bucket order: adj 900 first');
  // One KiB less minfree and found is strictly more: the two passes reorder by size.
  const more = planSimpleLmk(snap([sized(11, 900, 10), sized(12, 500, 54)]), { minfreeKiB: 64 * MiB - 1, reclaimTimeoutMs: 200 }, ctx());
  assert.equal(more.selection.mode, 'two-pass');
  assert.deepEqual(more.selection.victims.map((c) => c.p.pid), [12, 11]);
});

test('found below minfree: everything collected dies, down to adj 0', () => {
  const d = run([sized(11, 900, 10), sized(12, 300, 5), sized(13, 0, 1), sized(14, -1, 100), sized(15, -1000, 100)], 64);
  assert.deepEqual(pids(d.victims), [11, 12, 13]);
  assert.equal(d.skipped.find((s) => s.pid === 14)?.reason, 'adj-below-min');
  assert.equal(d.skipped.find((s) => s.pid === 15)?.reason, 'adj-unkillable');
  assert.match(d.victims[0]?.why ?? '', /Killing p11 with adj 900 to free 10240 KiB/);
});

test('MAX_VICTIMS reached inside a bucket: the bucket is cut, its part sorted, collection stops', () => {
  const ps: ProcessInfo[] = [];
  for (let pid = 101; pid <= 200; pid++) ps.push(sized(pid, 1000, 1));
  // 1000 processes at adj 900 with sizes 1..5 MiB; only 924 fit after the adj-1000 bucket.
  for (let pid = 1001; pid <= 2000; pid++) ps.push(sized(pid, 900, 1 + (pid % 5)));
  ps.push(sized(3000, 500, 1024));
  const plan = planSimpleLmk(snap(ps), params(1024 * 1024), ctx());
  assert.equal(plan.collection.list.length, MAX_VICTIMS);
  assert.ok(plan.collection.capped);
  const at900 = plan.collection.list.filter((c) => c.p.oomScoreAdj === 900);
  assert.equal(at900.length, MAX_VICTIMS - 100);
  // The seed's bucket lists the newest process first: the highest pids make it in.
  assert.deepEqual(at900.map((c) => c.p.pid).sort((a, b) => a - b)[0], 2000 - (MAX_VICTIMS - 100) + 1);
  for (let i = 1; i < at900.length; i++) assert.ok((at900[i - 1]?.sizeKiB ?? 0) >= (at900[i]?.sizeKiB ?? 0), 'sorted by size');
  const d = decideSimpleLmk(snap(ps), {}, params(1024 * 1024), ctx());
  assert.equal(d.victims.length, MAX_VICTIMS, 'found < minfree: all collected die');
  assert.ok(!pids(d.victims).includes(3000), 'the adj 500 bucket is never reached');
  assert.match(d.candidates.find((c) => c.pid === 3000)?.note ?? '', /MAX_VICTIMS/);
  assert.match(d.summary, /MAX_VICTIMS reached/);
});

test('equal sizes: the lower pid first, in collection and in pass 2', () => {
  const d = run([sized(19, 900, 40), sized(17, 900, 40), sized(18, 900, 40)], 64);
  // found 120 > 64: pass 1 keeps 7 and 8 (40 < 64 before 8), pass 2 keeps both.
  assert.deepEqual(pids(d.victims), [17, 18]);
  assert.deepEqual(pids(d.candidates), [17, 18, 19]);
});

test('nothing to kill says so as the seed does', () => {
  const d = run([sized(11, -100, 10), proc(12, { kernelThread: true, oomScoreAdj: 0 })], 64);
  assert.equal(d.victims.length, 0);
  assert.equal(d.summary, 'No processes available to kill!');
  assert.equal(d.reason, 'none');
});

test('a process with no memory counters has no mm: not a candidate', () => {
  const d = run([proc(11, { oomScoreAdj: 900, rssAnonKiB: 0 }), sized(12, 0, 1)], 64);
  assert.equal(d.skipped.find((s) => s.pid === 11)?.reason, 'no-memory');
  assert.deepEqual(pids(d.victims), [12]);
});

test('pressure trigger: needsAction is true whatever memory says; defaults follow the seed', () => {
  assert.equal(simpleLmk.trigger, 'pressure');
  assert.equal(simpleLmk.needsAction({ memory: snap([]).memory }, simpleLmk.defaultParams()), true);
  assert.deepEqual(simpleLmk.defaultParams(), { minfreeKiB: 64 * MiB, reclaimTimeoutMs: 200 });
  assert.equal(simpleLmk.describeParams(params(128)), 'minfree 128.0 MiB, reclaim timeout 200 ms');
  assert.ok(GiB > MiB);
});
