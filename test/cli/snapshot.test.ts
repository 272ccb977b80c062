import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseSnapshotText } from '../../src/model/snapshot-io.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { spawnHog, withTimeout } from '../helpers/hog.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';

function reapd(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [REAPD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return withTimeout(new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr }))), 30_000, `reapd ${args.join(' ')}`);
}

function onlySnapshot(text: string): Snapshot {
  const r = parseSnapshotText(text);
  assert.deepEqual(r.errors, []);
  assert.equal(r.snapshots.length, 1);
  return r.snapshots[0] as Snapshot;
}

test('reapd snapshot: one valid v1 line holding our child with its adj and memory; --pretty is the same data', { skip: needCc() }, async () => {
  const hog = spawnHog({ mib: 16, oomScoreAdj: 700 });
  try {
    await withTimeout(hog.ready, 10_000, 'hog ready');
    const plain = await reapd('snapshot');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.trimEnd().split('\n').length, 1, 'one line');
    const snap = onlySnapshot(plain.stdout);
    const p = snap.processes.find((x) => x.pid === hog.pid);
    assert.equal(p?.oomScoreAdj, 700);
    assert.ok((p?.rssAnonKiB ?? 0) >= 16 * 1024);
    assert.ok(snap.processes.length > 10 && snap.memory.totalKiB > 0 && snap.cgroup === undefined);
    const pretty = await reapd('snapshot', '--pretty');
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.ok(pretty.stdout.split('\n').length > 20);
    assert.equal(onlySnapshot(pretty.stdout).processes.find((x) => x.pid === hog.pid)?.oomScoreAdj, 700);
  } finally {
    await hog.kill();
  }
});

test('reapd snapshot --memcg: only the group, with its usage and limit', { skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()) }, async () => {
  const cg = memcgV1({ limitMiB: 128 });
  const hog = spawnHog({ mib: 8, cgroups: [cg.path] });
  try {
    await withTimeout(hog.ready, 10_000, 'hog ready');
    const r = await reapd('snapshot', '--memcg', cg.path);
    assert.equal(r.code, 0, r.stderr);
    const snap = onlySnapshot(r.stdout);
    assert.deepEqual(snap.processes.map((p) => p.pid), [hog.pid]);
    assert.equal(snap.cgroup?.path, cg.path);
    assert.equal(snap.cgroup?.limitKiB, 128 * 1024);
    assert.ok((snap.cgroup?.usageKiB ?? 0) >= 8 * 1024);
  } finally {
    await hog.kill();
    await cg.remove();
  }
});

test('reapd snapshot --memcg with a path that is no cgroup: exit 3 (as every command) and a plain message', async () => {
  const r = await reapd('snapshot', '--memcg', '/nonexistent/reapd');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--memcg: \/nonexistent\/reapd does not exist/);
  assert.doesNotMatch(r.stderr, /REAPD_/);
  assert.equal(r.stdout, '');
});
