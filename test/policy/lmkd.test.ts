// lmkd, case by case from seed 002's mp_event() and find_and_kill_process().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLmkd, lmkd, type LmkdParams, type LmkdState } from '../../src/policy/lmkd.js';
import { lmkdFreeFile } from '../../src/policy/table.js';
import type { MemoryState, ProcessInfo } from '../../src/model/snapshot.js';
import type { RegistryEntry } from '../../src/policy/types.js';
import { ctx, memory, MiB, pids, sized, snap } from './build.js';

const TABLE = [
  { minfreeKiB: 16 * MiB, adj: 0 },
  { minfreeKiB: 64 * MiB, adj: 500 },
];
const params = (over: Partial<LmkdParams> = {}): LmkdParams => ({ ...lmkd.defaultParams(), levels: TABLE, killTimeoutMs: 100, pick: 'heaviest', ...over });

function mem(freeMiB: number, fileMiB: number): MemoryState {
  return memory({ freeKiB: freeMiB * MiB, reserveKiB: 0, cachedKiB: fileMiB * MiB, buffersKiB: 0, shmemKiB: 0, swapCachedKiB: 0 });
}

function registry(entries: Array<[number, number]>): Map<number, RegistryEntry> {
  return new Map(entries.map(([pid, at]) => [pid, { pid, uid: 10000, oomScoreAdj: 0, processType: 0, registeredAtMs: at }]));
}

const run = (ps: ProcessInfo[], p: LmkdParams = params(), state: LmkdState = {}, nowMs = 0, reg?: Map<number, RegistryEntry>) =>
  decideLmkd(snap(ps, mem(10, 10)), state, p, ctx({ nowMs, ...(reg ? { registry: reg } : {}) }));

test('kills, adds the size to other_free and other_file, and repeats until no level applies', () => {
  // 10/10 MiB: level 1 (16 MiB, adj 0) -> kill adj 900 (8 MiB) -> 18/18: level 2 (64 MiB, adj 500)
  // -> kill adj 800 (20 MiB) -> 38/38: level 2 -> kill adj 600 (50 MiB) -> 88/88: none applies.
  const d = run([sized(11, 900, 8), sized(12, 800, 20), sized(13, 600, 50), sized(14, 100, 200)]);
  assert.deepEqual(pids(d.victims), [11, 12, 13]);
  assert.match(d.victims[1]?.why ?? '', /kill 2, heaviest at the highest adj >= 500; level 2 applies: cache ~18\.0 MiB/);
  assert.equal(d.candidates.find((c) => c.pid === 14)?.note, 'not needed: no level applied after the kills');
  assert.deepEqual(d.state, { lastKillMs: 0 });
});

test('the loop stops when no candidate is at or above the level adj', () => {
  // After the 900 dies (8 MiB) level 2 wants adj >= 500; only adj 100 is left.
  const d = run([sized(11, 900, 8), sized(14, 100, 200)]);
  assert.deepEqual(pids(d.victims), [11]);
});

test('kill timeout: an event sooner than killTimeoutMs after the last kill does nothing', () => {
  const ps = [sized(11, 900, 8)];
  const held = run(ps, params(), { lastKillMs: 1000 }, 1099);
  assert.equal(held.victims.length, 0);
  assert.match(held.summary, /Kill timeout: the last kill was 99 ms ago/);
  assert.deepEqual(held.state, { lastKillMs: 1000 });
  assert.deepEqual(pids(run(ps, params(), { lastKillMs: 1000 }, 1100).victims), [11]);
  // The seed's KILL_TIMEOUT of 2 s, as a parameter.
  assert.equal(run(ps, params({ killTimeoutMs: 2000 }), { lastKillMs: 1000 }, 2999).victims.length, 0);
});

test('with a registry, only registered processes are candidates; an empty registry means all', () => {
  const ps = [sized(11, 900, 8), sized(12, 800, 8), sized(13, 700, 8)];
  const d = run(ps, params(), {}, 0, registry([[12, 0], [13, 0]]));
  assert.ok(!pids(d.victims).includes(11));
  assert.equal(d.skipped.find((s) => s.pid === 11)?.reason, 'not-registered');
  assert.equal(d.victims[0]?.pid, 12);
  assert.equal(run(ps, params(), {}, 0, new Map()).victims[0]?.pid, 11);
});

test('registration holds per domain: a process registered elsewhere does not disarm this domain (issue 11 item 4)', () => {
  const ps = [sized(11, 900, 8), sized(12, 800, 8)];
  // pid 999 (a sleep outside every domain) is the only registered process.
  const d = run(ps, params(), {}, 0, registry([[999, 0]]));
  assert.deepEqual(pids(d.victims), pids(run(ps).victims));
  assert.equal(d.victims[0]?.pid, 11);
  assert.ok(!d.skipped.some((s) => s.reason === 'not-registered'));
  // Once one of the domain's own processes registers, the rule applies within the domain.
  const mine = run(ps, params(), {}, 0, registry([[999, 0], [12, 0]]));
  assert.deepEqual(pids(mine.victims), [12]);
  assert.match(mine.summary, /among 1 registered processes/);
});

test('pick: heaviest takes the largest at the adj, lru the least recently registered', () => {
  const ps = [sized(11, 900, 2), sized(12, 900, 9), sized(13, 900, 5)];
  const reg = registry([[11, 300], [12, 100], [13, 50]]);
  assert.equal(run(ps, params({ pick: 'heaviest' }), {}, 0, reg).victims[0]?.pid, 12);
  assert.equal(run(ps, params({ pick: 'lru' }), {}, 0, reg).victims[0]?.pid, 13);
  // Without a registry the oldest process (smallest starttime) stands in for the LRU one.
  const aged = [sized(11, 900, 2, { startTime: 5 }), sized(12, 900, 9, { startTime: 7 })];
  assert.equal(run(aged, params({ pick: 'lru' })).victims[0]?.pid, 11);
});

test("lmkd's other_file is the seed's nr_file_pages - nr_shmem: Cached + Buffers + SwapCached - Shmem", () => {
  const ff = lmkdFreeFile({
    memory: memory({ freeKiB: 100 * MiB, reserveKiB: 20 * MiB, cachedKiB: 200 * MiB, buffersKiB: 10 * MiB, shmemKiB: 50 * MiB, unevictableKiB: 5 * MiB, swapCachedKiB: 30 * MiB }),
  });
  assert.equal(ff.otherFreeKiB, 80 * MiB);
  assert.equal(ff.otherFileKiB, 190 * MiB);
});

test('no level applies: nothing killed, state kept', () => {
  const d = decideLmkd(snap([sized(11, 900, 8)], mem(500, 500)), { lastKillMs: 5 }, params(), ctx({ nowMs: 10_000 }));
  assert.equal(d.victims.length, 0);
  assert.deepEqual(d.state, { lastKillMs: 5 });
  assert.equal(lmkd.needsAction({ memory: mem(500, 500) }, params()), false);
  assert.equal(lmkd.needsAction({ memory: mem(10, 10) }, params()), true);
});

test('defaults: the seed table, 100 ms kill timeout, heaviest', () => {
  const p = lmkd.defaultParams();
  assert.deepEqual(p.levels.map((l) => l.adj), [0, 58, 352, 705]);
  assert.equal(p.killTimeoutMs, 100);
  assert.equal(p.pick, 'heaviest');
});
