// Trace replay on synthetic frames: victims leave later frames with their memory credited,
// identity is pid + start time, times and PSI totals come from the frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import { adjustedSnapshot, identity, toFrames, type Frame } from '../../src/sim/trace/frames.js';
import { replayTrace } from '../../src/sim/trace/replay.js';
import { MiB } from './helpers.js';

function proc(pid: number, name: string, adj: number, anonMiB: number, startTime = 5000 + pid): ProcessInfo {
  return {
    pid, name, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime, oomScoreAdj: adj,
    rssAnonKiB: anonMiB * MiB, rssFileKiB: MiB, rssShmemKiB: 0, swapKiB: 0,
  };
}

const LIMIT = 512 * MiB;

/** A v1 memcg at its limit with three hogs; `grow` MiB added to the grower per frame. */
function frame(i: number, extra: Partial<Snapshot> = {}): Snapshot {
  const processes = [proc(101, 'hog-low', 0, 100), proc(102, 'hog-mid', 500, 150), proc(103, 'hog-high', 900, 120), proc(104, 'grower', 0, 60 + 20 * i)];
  const usage = Math.min(LIMIT, processes.reduce((s, p) => s + p.rssAnonKiB + p.rssFileKiB, 0));
  return {
    version: 1,
    timeMs: 1_700_000_000_000 + i * 100,
    memory: {
      totalKiB: 24 * 1024 * MiB, freeKiB: 20 * 1024 * MiB, availableKiB: 22 * 1024 * MiB, cachedKiB: 1024 * MiB, buffersKiB: 0,
      shmemKiB: 0, unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 64 * MiB,
    },
    cgroup: { path: '/sys/fs/cgroup/memory/reapd-test', usageKiB: usage, limitKiB: LIMIT, fileKiB: 0 },
    processes,
    ...extra,
  };
}

const frames = (n: number): Frame[] => toFrames(Array.from({ length: n }, (_, i) => frame(i)), 100);

test('frames take their times from timeMs, relative to the first; pressure totals ride along', () => {
  const snaps = [frame(0), frame(1), frame(2)];
  const f = toFrames(snaps, 999, [{ pressure: { someTotalUs: 10 } }, {}, { pressure: { someTotalUs: 30, fullTotalUs: 20 } }]);
  assert.deepEqual(f.map((x) => x.atMs), [0, 100, 200]);
  assert.deepEqual(f.map((x) => x.pressure), [{ someTotalUs: 10 }, undefined, { someTotalUs: 30, fullTotalUs: 20 }]);
  const untimed = toFrames(snaps.map(({ timeMs: _t, ...s }) => s as Snapshot), 250);
  assert.deepEqual(untimed.map((x) => x.atMs), [0, 250, 500]);
});

test('a killed process is gone from later frames and its memory is credited, by identity', () => {
  const f = toFrames([frame(5)], 100)[0] as Frame;
  const victim = f.snapshot.processes.find((p) => p.name === 'hog-high') as ProcessInfo;
  const adjusted = adjustedSnapshot(f, new Set([identity(victim)]));
  assert.ok(!adjusted.processes.some((p) => p.pid === victim.pid));
  const ram = victim.rssAnonKiB + victim.rssFileKiB;
  assert.equal(adjusted.cgroup?.usageKiB, (f.snapshot.cgroup?.usageKiB ?? 0) - ram);
  assert.equal(adjusted.memory.freeKiB, f.snapshot.memory.freeKiB + ram);
  assert.equal(adjusted.memory.cachedKiB, f.snapshot.memory.cachedKiB - victim.rssFileKiB);
  // The same pid with another start time is another process (pid reuse): it stays.
  const reused = adjustedSnapshot(f, new Set([identity({ pid: victim.pid, startTime: victim.startTime + 1 })]));
  assert.equal(reused.processes.length, f.snapshot.processes.length);
  assert.equal(reused, f.snapshot);
});

test('replay: each victim dies once, at adj order, and later frames no longer offer it', async () => {
  const result = await replayTrace({ name: 't', frames: frames(40) }, { runs: ['simple-lmk', 'oom-score'], params: { 'simple-lmk': { minfree: '16MiB' } } });
  assert.equal(result.kind, 'trace');
  assert.equal(result.domains[0]?.name, '/sys/fs/cgroup/memory/reapd-test');
  for (const run of result.runs) {
    const pids = run.kills.map((k) => k.pid);
    assert.equal(new Set(pids).size, pids.length, `${run.label}: nobody is killed twice`);
    assert.ok(pids.length > 0, `${run.label} acted on a memcg at its limit`);
  }
  const simple = result.runs.find((r) => r.label === 'simple-lmk');
  // The recording stays at the limit; with hog-high's memory credited the group is no
  // longer critical, so that one kill is all simple-lmk needs.
  assert.deepEqual(simple?.kills.map((k) => k.name), ['hog-high'], 'highest adj first, once');
  // Each kill freed what the victim held in its frame.
  for (const k of simple?.kills ?? []) assert.ok(k.freedKiB > 0 && k.exitAtMs === k.atMs + 100, `${k.name} left by the next frame`);
});

test('replay: a pressure policy is woken by the recorded PSI totals', async () => {
  // Plenty of memory, but the recorded stall grows 200 ms per 100 ms frame from frame 10.
  const roomy = (i: number): Snapshot => ({ ...frame(0), timeMs: 1_700_000_000_000 + i * 100, cgroup: { path: '/sys/fs/cgroup/memory/x', usageKiB: 100 * MiB, limitKiB: 4096 * MiB, fileKiB: 0 } });
  const extras = Array.from({ length: 30 }, (_, i) => ({ pressure: { someTotalUs: Math.max(0, i - 10) * 200_000 } }));
  const f = toFrames(Array.from({ length: 30 }, (_, i) => roomy(i)), 100, extras);
  const quiet = await replayTrace({ name: 'q', frames: toFrames(Array.from({ length: 30 }, (_, i) => roomy(i)), 100) }, { runs: ['simple-lmk'] });
  assert.equal(quiet.runs[0]?.kills.length, 0, 'no pressure recorded, no event');
  const loud = await replayTrace({ name: 'l', frames: f }, { runs: ['simple-lmk'] });
  const first = loud.runs[0]?.kills[0];
  assert.ok(first, 'recorded stall woke simple-lmk');
  assert.ok(first.atMs >= 1000 && first.atMs <= 1200, `first kill at ${first.atMs} ms, once 70 ms of stall is in the window`);
  assert.equal(loud.runs[0]?.reclaims[0]?.trigger, 'psi:critical');
});
