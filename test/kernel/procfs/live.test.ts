// End to end on the real kernel: real children with known oom_score_adj and memory, real
// cgroups, real exits mid-scan. Only processes this test starts are signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelProcessSource, scanLiveSnapshot } from '../../../src/kernel/source.js';
import { ProcfsError } from '../../../src/kernel/procfs/errors.js';
import { spawnHog, withTimeout, waitFor, type Hog } from '../../helpers/hog.js';
import { cgroup2, freezerV1, memcgV1 } from '../../helpers/cgroup.js';
import { withReusedPid } from '../../helpers/children.js';
import { CGROUP2_ROOT, firstReason, needCc, needCgroup2, needCgroupV1, needRoot, needSetLastPid } from '../../helpers/skip.js';

function startTimeOf(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
}

async function hogs(...opts: Array<Parameters<typeof spawnHog>[0]>): Promise<Hog[]> {
  const list = opts.map((o) => spawnHog(o));
  await withTimeout(Promise.all(list.map((h) => h.ready)), 20_000, 'hogs ready');
  return list;
}

test('finds real children with their oom_score_adj, memory, name, uid and starttime', { skip: needCc() }, async () => {
  const list = await hogs({ mib: 48, oomScoreAdj: 500, name: 'rh) Z (b' }, { mib: 24, oomScoreAdj: 900 });
  const source = new KernelProcessSource();
  try {
    for (let round = 0; round < 2; round++) { // cold, then through the fd cache
      const snap = await source.scan();
      assert.equal(source.lastScanStats.errors, 0, source.lastScanStats.lastError);
      const expect = [[list[0]!, 48, 500, 'rh) Z (b'], [list[1]!, 24, 900, undefined]] as const;
      for (const [hog, mib, adj, name] of expect) {
        const p = snap.processes.find((x) => x.pid === hog.pid);
        assert.ok(p, `pid ${hog.pid} in the snapshot`);
        assert.equal(p.oomScoreAdj, adj);
        assert.ok(p.rssAnonKiB >= mib * 1024 && p.rssAnonKiB < mib * 1024 + 4096, `anon ${p.rssAnonKiB} KiB for ${mib} MiB`);
        assert.ok(p.rssFileKiB > 0, 'the binary and libc are mapped');
        assert.equal(p.uid, process.getuid?.());
        assert.equal(p.startTime, startTimeOf(hog.pid));
        assert.equal(p.ppid, process.pid);
        assert.equal(p.kernelThread, false);
        assert.equal(p.exiting, false);
        assert.ok((p.oomScore ?? 0) >= 1000, 'adj ≥ 500 puts oom_score at ≥ 1000');
        if (name) assert.equal(p.name, name);
        assert.equal(p.name, readFileSync(`/proc/${hog.pid}/comm`, 'utf8').replace(/\n$/, ''));
      }
      const kthreadd = snap.processes.find((x) => x.pid === 2);
      if (kthreadd) assert.equal(kthreadd.kernelThread, true);
      assert.ok(snap.memory.availableKiB > 0 && snap.memory.totalKiB >= snap.memory.availableKiB);
    }
    await list[0]!.kill();
    const after = await source.scan();
    assert.ok(!after.processes.some((p) => p.pid === list[0]!.pid), 'a killed and reaped child is gone');
    assert.equal(source.lastScanStats.errors, 0);
  } finally {
    source.close();
    for (const h of list) await h.kill();
  }
});

test('a v1 memcg domain: only the group\'s processes (and its child group\'s), usage and limit', { skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()) }, async () => {
  const cg = memcgV1({ limitMiB: 256 });
  const childPath = `${cg.path}/sub`; // a child group: the domain includes descendants
  mkdirSync(childPath);
  let list: Hog[] = [];
  try {
    list = await hogs({ mib: 32, cgroups: [cg.path] }, { mib: 16, cgroups: [childPath] });
    const outside = spawnHog({ mib: 1 });
    await withTimeout(outside.ready, 10_000, 'outside hog');
    list.push(outside);
    const snap = await scanLiveSnapshot({ memcg: cg.path });
    assert.deepEqual(snap.processes.map((p) => p.pid).sort(), [list[0]!.pid, list[1]!.pid].sort());
    const usageKiB = Number(cg.read('memory.usage_in_bytes')) / 1024;
    assert.ok(snap.cgroup, 'the domain is in the snapshot');
    assert.equal(snap.cgroup.path, cg.path);
    assert.equal(snap.cgroup.limitKiB, 256 * 1024);
    assert.ok(snap.cgroup.usageKiB >= 48 * 1024, `usage ${snap.cgroup.usageKiB} KiB covers both hogs`);
    assert.ok(Math.abs(snap.cgroup.usageKiB - usageKiB) < 2048, 'usage as the kernel reports it');
    assert.equal(snap.processes.find((p) => p.pid === list[1]!.pid)?.memcgV1, childPath.replace('/sys/fs/cgroup/memory', ''));
  } finally {
    for (const h of list) await h.kill();
    rmdirSync(childPath);
    await cg.remove();
  }
});

test('a cgroup2 domain: usage where the memory controller is on, a coded error where it is off', { skip: firstReason(needRoot(), needCgroup2()) }, async () => {
  const g = cgroup2();
  try {
    const hasMemory = readFileSync(`${CGROUP2_ROOT}/cgroup.subtree_control`, 'utf8').split(/\s+/).includes('memory');
    if (hasMemory) {
      const snap = await scanLiveSnapshot({ memcg: g.path });
      assert.equal(snap.processes.length, 0);
      assert.equal(snap.cgroup?.limitKiB, null);
    } else {
      await assert.rejects(scanLiveSnapshot({ memcg: g.path }), (e: unknown) => e instanceof ProcfsError && e.code === 'REAPD_MEMCG_NO_MEMORY');
    }
  } finally {
    await g.remove();
  }
});

test('SIGKILL pending on a v1-frozen child makes it "exiting" (state D, not yet PF_EXITING)', { skip: firstReason(needRoot(), needCgroupV1('freezer'), needCc()) }, async () => {
  const frz = freezerV1();
  const [hog] = await hogs({ mib: 4, cgroups: [frz.path] });
  const source = new KernelProcessSource();
  try {
    const before = (await source.scan()).processes.find((p) => p.pid === hog!.pid);
    assert.equal(before?.exiting, false);
    frz.write('freezer.state', 'FROZEN');
    await waitFor(() => frz.read('freezer.state').trim() === 'FROZEN', 5000, 'frozen');
    process.kill(hog!.pid, 'SIGKILL'); // our own child, by pid
    const after = (await source.scan()).processes.find((p) => p.pid === hog!.pid);
    assert.equal(after?.state, 'D');
    assert.equal(after?.exiting, true);
  } finally {
    source.close();
    frz.write('freezer.state', 'THAWED');
    await hog!.kill();
    await frz.remove();
  }
});

test('processes exiting mid-scan (fork/exit churn) are skipped, never an error; no fd leaks', async () => {
  // Two shells forking short-lived children as fast as they can.
  const churners = [0, 1].map(() => spawn('sh', ['-c', 'while :; do /bin/true; done'], { stdio: 'ignore' }));
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const cached = new KernelProcessSource();
  const uncached = new KernelProcessSource({ fdCache: false });
  let vanished = 0;
  try {
    for (let i = 0; i < 40; i++) {
      for (const s of [cached, uncached]) {
        const snap = await s.scan();
        assert.equal(s.lastScanStats.errors, 0, s.lastScanStats.lastError);
        vanished += s.lastScanStats.vanished;
        for (const p of snap.processes) assert.ok(Number.isInteger(p.startTime) && p.pid > 0);
        assert.ok(snap.processes.some((p) => p.pid === process.pid));
      }
    }
    process.stdout.write(`# churn: ${vanished} processes vanished mid-scan over 80 scans\n`);
  } finally {
    cached.close();
    uncached.close();
    for (const c of churners) c.kill('SIGKILL');
    await withTimeout(Promise.all(churners.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))))), 5000, 'churners exit');
  }
  assert.equal(readdirSync('/proc/self/fd').length, fdsBefore);
});

test('pid reuse: the held fds of a dead process never read its successor; the successor is read afresh', { skip: needSetLastPid() }, async (t) => {
  const oldExe = join(tmpdir(), 'reapd-reuse-old');
  const newExe = join(tmpdir(), 'reapd-reuse-new');
  copyFileSync('/bin/sleep', oldExe);
  copyFileSync('/bin/sleep', newExe);
  const source = new KernelProcessSource();
  try {
    const reused = await withReusedPid(
      oldExe,
      newExe,
      async (pid) => assert.equal((await source.scan()).processes.find((p) => p.pid === pid)?.name, 'reapd-reuse-old'),
      async (pid) => {
        const p = (await source.scan()).processes.find((x) => x.pid === pid);
        assert.equal(source.lastScanStats.errors, 0);
        assert.ok(source.lastScanStats.reusedPids >= 1, 'the held stat fd said ESRCH and the pid was read afresh');
        assert.equal(p?.name, 'reapd-reuse-new');
        assert.equal(p?.startTime, startTimeOf(pid));
        assert.match(p?.cmdline ?? '', /reapd-reuse-new 1000/);
      },
    );
    if (!reused) t.skip('the pid was taken by another process every time');
  } finally {
    source.close();
  }
});
