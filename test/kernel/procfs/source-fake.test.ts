import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelProcessSource } from '../../../src/kernel/source.js';
import { ProcfsError } from '../../../src/kernel/procfs/errors.js';
import { parseSnapshotText, serializeSnapshot } from '../../../src/model/snapshot-io.js';
import { FIXTURES } from '../../helpers/paths.js';
import { makeFakeProc } from './fake-root.js';

test('a whole-machine snapshot from a fake procRoot: memory from meminfo, reserve from zoneinfo, valid v1', async () => {
  const fake = makeFakeProc();
  const source = new KernelProcessSource({ procRoot: fake.root, pageSizeKiB: 4 });
  try {
    const snap = await source.scan();
    assert.equal(snap.version, 1);
    assert.equal(snap.processes.length, fake.pids.size);
    assert.equal(snap.cgroup, undefined);
    assert.ok(snap.memory.totalKiB > 0 && snap.memory.reserveKiB > 0);
    const view = await source.readMemory();
    assert.equal(view.memory.totalKiB, snap.memory.totalKiB);
    assert.equal(view.memory.reserveKiB, snap.memory.reserveKiB, 'readMemory reuses the scan\'s reserve');
    const parsed = parseSnapshotText(serializeSnapshot(snap));
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.snapshots[0], JSON.parse(JSON.stringify(snap)));
  } finally {
    source.close();
    fake.remove();
  }
});

function fakeCgroup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-fakecg-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a v1 memcg domain: only its processes (descendant groups included), its usage and limit', async () => {
  const fake = makeFakeProc();
  const hog = fake.pids.get('hog-adj500') as number;
  const shell = fake.pids.get('shell') as number;
  const cg = fakeCgroup({});
  cpSync(join(FIXTURES, 'proc', 'memcg-v1'), cg, { recursive: true });
  mkdirSync(join(cg, 'child'));
  writeFileSync(join(cg, 'child', 'cgroup.procs'), `${shell}\n`);
  const source = new KernelProcessSource({ procRoot: fake.root, memcg: cg, pageSizeKiB: 4 });
  try {
    const snap = await source.scan();
    assert.deepEqual(snap.processes.map((p) => p.pid).sort(), [hog, shell].sort());
    assert.equal(snap.cgroup?.path, cg);
    assert.equal(snap.cgroup?.usageKiB, 67633152 / 1024);
    assert.equal(snap.cgroup?.limitKiB, 256 * 1024);
    assert.equal(snap.cgroup?.fileKiB, 4);
    assert.deepEqual((await source.readMemory()).cgroup, snap.cgroup);
  } finally {
    source.close();
    fake.remove();
    rmSync(cg, { recursive: true });
  }
});

test('a cgroup2 domain reads memory.current/memory.max ("max" → no limit)', async () => {
  const fake = makeFakeProc();
  const cg = fakeCgroup({});
  cpSync(join(FIXTURES, 'proc', 'memcg-v2'), cg, { recursive: true });
  const source = new KernelProcessSource({ procRoot: fake.root, memcg: cg, pageSizeKiB: 4 });
  try {
    const snap = await source.scan();
    assert.deepEqual(snap.cgroup, { path: cg, usageKiB: 51200, limitKiB: null, fileKiB: 8192 });
    assert.deepEqual(snap.processes.map((p) => p.pid), [7993]);
  } finally {
    source.close();
    fake.remove();
    rmSync(cg, { recursive: true });
  }
});

test('a domain without memory accounting, or no cgroup at all, is a coded error', async () => {
  const noMemory = fakeCgroup({ 'cgroup.procs': '' });
  const notCgroup = fakeCgroup({});
  try {
    for (const [dir, code] of [[noMemory, 'REAPD_MEMCG_NO_MEMORY'], [notCgroup, 'REAPD_MEMCG_NOT_FOUND']] as const) {
      const source = new KernelProcessSource({ memcg: dir, fdCache: false });
      await assert.rejects(source.scan(), (e: unknown) => e instanceof ProcfsError && e.code === code);
    }
  } finally {
    rmSync(noMemory, { recursive: true });
    rmSync(notCgroup, { recursive: true });
  }
});
