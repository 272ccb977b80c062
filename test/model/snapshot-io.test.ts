import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseSnapshotsOrThrow, parseSnapshotText, serializeSnapshot, SnapshotFormatError,
} from '../../src/model/snapshot-io.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';

const memory = {
  totalKiB: 1000, freeKiB: 100, availableKiB: 300, cachedKiB: 200, buffersKiB: 10, shmemKiB: 5,
  unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 20,
};

function proc(pid: number, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid, name: `p${pid}`, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: 100 + pid,
    oomScoreAdj: 0, rssAnonKiB: 10, rssFileKiB: 5, rssShmemKiB: 0, swapKiB: 0, ...extra,
  };
}

const minimal: Snapshot = { version: 1, memory, processes: [proc(1), proc(42, { name: 'a) Z (b\nx', oomScoreAdj: 900 })] };

test('a snapshot with only the required fields is accepted, and round-trips', () => {
  const text = serializeSnapshot(minimal);
  assert.ok(!text.includes('\n'), 'one line');
  const r = parseSnapshotText(text);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.snapshots, [minimal]);
});

test('optional fields (oomScore, cgroups, domain) are accepted; unknown fields are kept', () => {
  const full = {
    ...minimal,
    timeMs: 1700000000000,
    cgroup: { path: '/sys/fs/cgroup/memory/x', usageKiB: 5, limitKiB: null, fileKiB: 1 },
    processes: [proc(7, { oomScore: 667, ppid: 1, cmdline: 'sleep 1', memcgV1: '/x', freezerV1: '/', cgroupV2: '/' })],
    pressure: { some: 1.5 },
  };
  const r = parseSnapshotText(JSON.stringify(full));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.snapshots[0], full);
  const text = serializeSnapshot(r.snapshots[0] as Snapshot);
  assert.ok(text.indexOf('"pressure"') > text.indexOf('"processes"'), 'unknown keys come after the known ones');
  assert.deepEqual(JSON.parse(text), full);
});

test('key order is stable whatever order the object was built in', () => {
  const shuffled = JSON.parse(JSON.stringify(minimal), function (this: unknown, _k, v: unknown) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).reverse());
  }) as Snapshot;
  assert.notEqual(JSON.stringify(shuffled), JSON.stringify(minimal));
  assert.equal(serializeSnapshot(shuffled), serializeSnapshot(minimal));
  assert.ok(serializeSnapshot(minimal).startsWith('{"version":1,"memory":{"totalKiB":1000,'));
});

test('NDJSON: good lines are read, each bad one is reported by line and field', () => {
  const good = serializeSnapshot(minimal);
  const noAdj = JSON.parse(good) as { processes: Array<Record<string, unknown>> };
  delete noAdj.processes[1]?.oomScoreAdj;
  const text = [good, JSON.stringify(noAdj), '', '{"version":1,', good].join('\n');
  const r = parseSnapshotText(text);
  assert.equal(r.snapshots.length, 2);
  assert.deepEqual(r.errors, [
    'line 2: processes[1].oomScoreAdj: missing (required in v1)',
    `line 4: invalid JSON: ${errorOf('{"version":1,')}`,
  ]);
});

function errorOf(json: string): string {
  try {
    JSON.parse(json);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

test('a pretty-printed single snapshot is one snapshot', () => {
  const r = parseSnapshotText(JSON.stringify(minimal, null, 2));
  assert.deepEqual(r.errors, []);
  assert.equal(r.snapshots.length, 1);
});

test('clear messages for wrong types, versions, duplicates and empty input', () => {
  const bad = (mut: (s: Record<string, unknown>) => void): string[] => {
    const s = JSON.parse(serializeSnapshot(minimal)) as Record<string, unknown>;
    mut(s);
    return parseSnapshotText(JSON.stringify(s)).errors;
  };
  assert.deepEqual(bad((s) => (s.version = 2)), ['line 1: version: version 2; this reader knows version 1']);
  assert.deepEqual(bad((s) => delete s.version), ['line 1: version: no version field; this reader knows version 1']);
  assert.deepEqual(bad((s) => delete (s.memory as Record<string, unknown>).reserveKiB), ['line 1: memory.reserveKiB: missing (required in v1)']);
  assert.deepEqual(bad((s) => ((s.processes as Array<Record<string, unknown>>)[0]!.pid = 'one')), [
    'line 1: processes[0].pid: expected an integer > 0, got "one"',
  ]);
  assert.deepEqual(bad((s) => ((s.processes as Array<Record<string, unknown>>)[1]!.oomScoreAdj = 5000)), [
    'line 1: processes[1].oomScoreAdj: expected an integer from -1000 to 1000, got 5000',
  ]);
  assert.deepEqual(bad((s) => ((s.processes as Array<Record<string, unknown>>)[1]!.pid = 1)), ['line 1: processes[1].pid: duplicate pid 1']);
  assert.deepEqual(bad((s) => (s.cgroup = { path: '/x', usageKiB: 1, limitKiB: 'max' })), [
    'line 1: cgroup.limitKiB: expected a number of KiB ≥ 0 or null (no limit), got "max"',
  ]);
  assert.deepEqual(bad((s) => ((s.processes as Array<Record<string, unknown>>)[0]!.cmdline = 7)), [
    'line 1: processes[0].cmdline: expected a string, got 7',
  ]);
  assert.deepEqual(parseSnapshotText('  \n').errors, ['no snapshot found: the input is empty']);
  assert.deepEqual(parseSnapshotText('[1,2]').errors, ['line 1: snapshot: expected a JSON object, got [1,2]']);
  const many = bad((s) => (s.processes = Array.from({ length: 50 }, () => ({}))));
  assert.equal(many.length, 21, 'long lists are cut after 20 problems');
  assert.throws(() => parseSnapshotsOrThrow('{'), (e: unknown) => e instanceof SnapshotFormatError && e.code === 'REAPD_SNAPSHOT_INVALID');
});

const arbProcess = fc.record({
  pid: fc.integer({ min: 1, max: 4_000_000 }),
  name: fc.string({ maxLength: 16 }),
  state: fc.constantFrom('R', 'S', 'D', 'Z', 'T', 'I'),
  kernelThread: fc.boolean(),
  exiting: fc.boolean(),
  uid: fc.nat(),
  startTime: fc.nat(),
  oomScoreAdj: fc.integer({ min: -1000, max: 1000 }),
  rssAnonKiB: fc.nat(),
  rssFileKiB: fc.nat(),
  rssShmemKiB: fc.nat(),
  swapKiB: fc.nat(),
  oomScore: fc.option(fc.nat({ max: 2000 }), { nil: undefined }),
});

test('property: serialize → parse → serialize is the identity; the parser never throws', () => {
  fc.assert(
    fc.property(fc.uniqueArray(arbProcess, { selector: (p) => p.pid, maxLength: 8 }), (processes) => {
      const s = { version: 1, memory, processes } as Snapshot;
      const text = serializeSnapshot(s);
      const r = parseSnapshotText(text);
      assert.deepEqual(r.errors, []);
      assert.equal(serializeSnapshot(r.snapshots[0] as Snapshot), text);
    }),
    { numRuns: 200 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (t) => void parseSnapshotText(t)), { numRuns: 300 });
});
