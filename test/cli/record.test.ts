// `reapd record`: live snapshots of a real memcg as NDJSON that the snapshot reader and
// the simulator accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN } from '../helpers/paths.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needPsi, needRoot } from '../helpers/skip.js';
import { parseSnapshotText } from '../../src/model/snapshot-io.js';

function reapd(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  // A machine snapshot per line: megabytes on a busy host (spawnSync's 1 MiB default would kill the child).
  const r = spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 30_000, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('record --memcg: one snapshot per interval of the group, its hog with its adj, readable by the snapshot reader', { skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()), timeout: 30_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 128 });
  const hog = spawnHog({ mib: 20, oomScoreAdj: 700, cgroups: [memcg.path], name: 'reapd-rec-700' });
  const dir = mkdtempSync(join(tmpdir(), 'reapd-rec-'));
  try {
    await withTimeout(hog.ready, 10_000, 'hog ready');
    const out = join(dir, 'trace.ndjson');
    const r = reapd('record', '--memcg', memcg.path, '--interval', '100ms', '--duration', '1s', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    const parsed = parseSnapshotText(text);
    assert.deepEqual(parsed.errors, []);
    const snapshots = parsed.snapshots;
    assert.equal(snapshots.length, lines.length);
    assert.ok(snapshots.length >= 10 && snapshots.length <= 11, `${snapshots.length} frames for 1 s at 100 ms`);
    for (const s of snapshots) {
      assert.equal(s.cgroup?.limitKiB, 128 * 1024);
      const p = s.processes.find((x) => x.pid === hog.pid);
      assert.ok(p, 'the hog is in every frame');
      assert.equal(p.oomScoreAdj, 700);
      assert.ok(p.rssAnonKiB >= 19 * 1024);
      assert.deepEqual(s.processes.map((x) => x.pid), [hog.pid], 'only the group: the recorder itself is not in it');
    }
    const times = snapshots.map((s) => s.timeMs ?? 0);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) > (times[i - 1] ?? 0), 'timeMs increases');
    assert.ok((times[times.length - 1] ?? 0) - (times[0] ?? 0) >= 900, 'the schedule spans the duration');
    // A v1 memcg has no pressure file of its own: no pressure field.
    assert.equal((JSON.parse(lines[0] ?? '{}') as { pressure?: unknown }).pressure, undefined);
  } finally {
    await hog.kill();
    await memcg.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record (machine): PSI totals ride along in each line; stdout without --out', { skip: needPsi(), timeout: 30_000 }, () => {
  const r = reapd('record', '--interval', '100ms', '--duration', '200ms');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pressure?: { someTotalUs: number }; processes: unknown[] });
  assert.ok(lines.length >= 2);
  for (const l of lines) {
    assert.equal(typeof l.pressure?.someTotalUs, 'number');
    assert.ok(l.processes.length > 1);
  }
  assert.ok((lines[1]?.pressure?.someTotalUs ?? 0) >= (lines[0]?.pressure?.someTotalUs ?? 0), 'totals never fall');
});

test('record: an interval under 10 ms is refused (reading PSI that often corrupts it)', () => {
  const r = reapd('record', '--interval', '5ms', '--duration', '1s');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--interval/);
});
