// The daemon's incremental scan on the real kernel (docs/snapshot-format.md, "Incremental
// scans"): between two scans a child changes its adj, one appears, one exits, one becomes
// a zombie, one execs — and each scan must show exactly that, although stat is read only
// where it may have changed. Then recheck(): a victim killed (and frozen) after the scan.
// Only processes this test starts are signalled; every wait has a timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelProcessSource } from '../../../src/kernel/source.js';
import { victimFrom } from '../../../src/model/decision.js';
import type { ProcessInfo, Snapshot } from '../../../src/model/snapshot.js';
import { getPolicy } from '../../../src/policy/registry.js';
import { NO_RULES } from '../../../src/policy/types.js';
import type { Policy } from '../../../src/policy/types.js';
import { spawnHog, waitFor, withTimeout } from '../../helpers/hog.js';
import { freezerV1 } from '../../helpers/cgroup.js';
import { reapChild, withReusedPid } from '../../helpers/children.js';
import { firstReason, needCc, needCgroupV1, needRoot, needSetLastPid } from '../../helpers/skip.js';

function statOf(pid: number): { comm: string; state: string; startTime: number } {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), state: f[0] as string, startTime: Number(f[19]) };
}

function sh(script: string, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  return spawn('sh', ['-c', script], { stdio: [stdin, 'pipe', 'ignore'] });
}

/** The first line a child prints (a pid). */
async function firstLine(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.includes('\n'), 5000, 'first line', 10);
  return out.split('\n')[0] as string;
}

function ours(processes: readonly ProcessInfo[], pids: readonly number[]): Map<number, ProcessInfo> {
  return new Map(processes.filter((p) => pids.includes(p.pid)).map((p) => [p.pid, p]));
}

test('incremental scans see adj changes, new processes, exits, zombies and exec between scans', async () => {
  const source = new KernelProcessSource({ scanMode: 'incremental' });
  const children: ChildProcess[] = [];
  const start = (script: string, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess => {
    const c = sh(script, stdin);
    children.push(c);
    return c;
  };
  try {
    const adjChanger = start('exec sleep 1000');
    const leaver = start('exec sleep 1000');
    // A parent that never reaps: its child becomes a zombie when killed.
    const parent = start('sleep 1000 & echo $!; exec sleep 1000');
    const zombie = Number(await firstLine(parent));
    const execer = start('read line; exec sleep 1000', 'pipe');
    const pids = [adjChanger.pid, leaver.pid, zombie, execer.pid].map(Number);
    await waitFor(() => statOf(adjChanger.pid as number).comm === 'sleep' && statOf(leaver.pid as number).comm === 'sleep', 5000, 'exec sleep');
    await source.scan(); // first sight: everything read
    const before = ours((await source.scan()).processes, pids);
    assert.equal(before.size, 4);
    assert.equal(before.get(execer.pid as number)?.name, 'sh');

    writeFileSync(`/proc/${adjChanger.pid}/oom_score_adj`, '700');
    await reapChild(leaver);
    process.kill(zombie, 'SIGKILL'); // our test's grandchild, by pid
    await waitFor(() => statOf(zombie).state === 'Z', 5000, 'zombie');
    execer.stdin?.write('go\n');
    await waitFor(() => statOf(execer.pid as number).comm === 'sleep', 5000, 'exec');
    const newcomer = start('exec sleep 1000');
    await waitFor(() => statOf(newcomer.pid as number).comm === 'sleep', 5000, 'newcomer exec');

    const snap = await source.scan();
    const after = ours(snap.processes, [...pids, newcomer.pid as number]);
    assert.equal(source.lastScanStats.errors, 0, source.lastScanStats.lastError);
    assert.equal(after.get(adjChanger.pid as number)?.oomScoreAdj, 700, 'the new adj');
    assert.equal(after.has(leaver.pid as number), false, 'the process that exited is gone');
    assert.equal(after.get(zombie)?.state, 'Z');
    assert.equal(after.get(zombie)?.exiting, true);
    assert.equal(after.get(execer.pid as number)?.name, 'sleep', 'exec: the new name');
    assert.match(after.get(execer.pid as number)?.cmdline ?? '', /^sleep 1000$/);
    const n = after.get(newcomer.pid as number);
    assert.equal(n?.name, 'sleep');
    assert.equal(n?.startTime, statOf(newcomer.pid as number).startTime);

    // Nothing but our processes in the snapshot a policy sees: the zombie is never chosen.
    const policy = getPolicy('simple-lmk') as Policy<unknown, unknown>;
    const mine: Snapshot = { ...snap, processes: [...after.values()] };
    const d = policy.decide(mine, policy.initialState(), { ...(policy.defaultParams() as object), minfreeKiB: 1 << 30 }, { nowMs: 0, rules: NO_RULES });
    assert.ok(d.victims.length >= 1);
    assert.ok(!d.victims.some((v) => v.pid === zombie), 'a zombie is never a victim');
    assert.equal(d.skipped.find((s) => s.pid === zombie)?.reason, 'zombie');
  } finally {
    source.close();
    for (const c of children) await reapChild(c); // the zombie's parent: init reaps the zombie
  }
});

test('recheck: a victim SIGKILLed while frozen after an incremental scan is caught; the decision is made again on a full scan', { skip: firstReason(needRoot(), needCgroupV1('freezer'), needCc()) }, async () => {
  const frz = freezerV1();
  const hog = spawnHog({ mib: 8, cgroups: [frz.path], oomScoreAdj: 800 });
  const source = new KernelProcessSource({ scanMode: 'incremental' });
  try {
    await withTimeout(hog.ready, 10_000, 'hog ready');
    await source.scan();
    await source.scan();
    frz.write('freezer.state', 'FROZEN');
    await waitFor(() => frz.read('freezer.state').trim() === 'FROZEN', 5000, 'frozen');
    process.kill(hog.pid, 'SIGKILL'); // our own child, by pid: it stays frozen, SIGKILL pending
    const served = (await source.scan()).processes.find((p) => p.pid === hog.pid) as ProcessInfo;
    assert.ok(served, 'still there (frozen)');
    const victim = victimFrom(served, served.rssAnonKiB, 'pressure', 'test');
    const fresh = await source.recheck([victim]);
    assert.ok(fresh, 'the victim is not as the scan served it: a fresh snapshot comes back');
    const p = fresh.processes.find((x) => x.pid === hog.pid);
    assert.equal(p?.exiting, true, 'SIGKILL pending: exiting, so no policy chooses it');
    assert.equal(p?.state, 'D');
    // A victim that is as the scan saw it is confirmed: no second scan.
    frz.write('freezer.state', 'THAWED');
    await withTimeout(hog.exited, 5000, 'hog exit');
    const snap = await source.scan();
    const self = snap.processes.find((x) => x.pid === process.pid) as ProcessInfo;
    assert.equal(await source.recheck([victimFrom(self, 0, 'pressure', 'test')]), undefined);
  } finally {
    source.close();
    frz.write('freezer.state', 'THAWED');
    await hog.kill();
    await frz.remove();
  }
});

test('the helper thread changes nothing in what a scan says (same processes, same values)', async () => {
  const children = [0, 1, 2, 3].map(() => sh('exec sleep 1000'));
  const withHelper = new KernelProcessSource({ scanMode: 'incremental' });
  const alone = new KernelProcessSource({ scanMode: 'incremental', helperThread: false });
  try {
    const pids = children.map((c) => c.pid as number);
    await waitFor(() => pids.every((pid) => statOf(pid).comm === 'sleep'), 5000, 'exec sleep');
    for (let round = 0; round < 3; round++) {
      const a = ours((await withHelper.scan()).processes, pids);
      const b = ours((await alone.scan()).processes, pids);
      assert.equal(a.size, pids.length);
      for (const pid of pids) assert.deepEqual(a.get(pid), b.get(pid), `pid ${pid}, round ${round}`);
    }
    assert.ok(withHelper.lastScanStats.prefetched >= pids.length, 'read through the shared job');
    assert.equal(alone.lastScanStats.prefetched, 0);
  } finally {
    withHelper.close();
    alone.close();
    for (const c of children) await reapChild(c);
  }
});

test('incremental scan, pid reused between scans: the successor is read afresh, nothing of the old one kept', { skip: needSetLastPid() }, async (t) => {
  const oldExe = join(tmpdir(), 'reapd-incr-old');
  const newExe = join(tmpdir(), 'reapd-incr-new');
  copyFileSync('/bin/sleep', oldExe);
  copyFileSync('/bin/sleep', newExe);
  const source = new KernelProcessSource({ scanMode: 'incremental' });
  try {
    const reused = await withReusedPid(
      oldExe,
      newExe,
      async (pid) => {
        await source.scan();
        assert.equal((await source.scan()).processes.find((p) => p.pid === pid)?.name, 'reapd-incr-old');
        writeFileSync(`/proc/${pid}/oom_score_adj`, '300');
        await source.scan();
      },
      async (pid) => {
        const p = (await source.scan()).processes.find((x) => x.pid === pid);
        assert.equal(source.lastScanStats.errors, 0);
        assert.equal(p?.name, 'reapd-incr-new');
        assert.equal(p?.startTime, statOf(pid).startTime);
        assert.equal(p?.oomScoreAdj, 0, 'the old process\'s adj is not kept');
      },
    );
    if (!reused) t.skip('the pid was taken by another process every time');
  } finally {
    source.close();
  }
});

test('lazy sizes: a size served from an earlier read is re-read by freshen() when a decision used it, and the decision then matches a fresh scan', { skip: firstReason(needCc()) }, async () => {
  // The grower is small at the first scans and large later; with lazySizes the next scan
  // serves its old size. On the old sizes simple-lmk needs both adj-500 processes; on the
  // fresh ones the grower alone is enough.
  const steady = spawnHog({ mib: 40, oomScoreAdj: 500 });
  const grower = spawnHog({ mib: 96, stepMiB: 16, stepMs: 500, oomScoreAdj: 500 });
  const lazy = new KernelProcessSource({ scanMode: 'incremental', lazySizes: true });
  const full = new KernelProcessSource();
  const pids = [steady.pid, grower.pid];
  const policy = getPolicy('simple-lmk') as Policy<unknown, unknown>;
  const params = { ...(policy.defaultParams() as object), minfreeKiB: 50 * 1024 };
  const ctx = { nowMs: 0, rules: NO_RULES };
  const mine = (s: Snapshot): Snapshot => ({ ...s, processes: s.processes.filter((p) => pids.includes(p.pid)) });
  try {
    await withTimeout(steady.ready, 10_000, 'steady ready');
    await waitFor(() => grower.lines.includes('allocated 16'), 10_000, 'grower at 16 MiB');
    // As the daemon does after each reclaim (afterReclaim), the refreshes and status reads
    // a scan put off run between scans: the grower's next refresh is then two scans away.
    await lazy.scan(); // first sight: read in full
    while (lazy.refreshDueNow(64));
    await lazy.scan(); // held fds from now on
    while (lazy.refreshDueNow(64));
    await withTimeout(grower.ready, 10_000, 'grower ready');

    const served = mine(await lazy.scan());
    assert.ok(lazy.lastScanStats.sizesServed > 0, 'some sizes were served from an earlier read');
    const servedGrower = served.processes.find((p) => p.pid === grower.pid) as ProcessInfo;
    assert.ok(servedGrower.rssAnonKiB < 64 * 1024, `the grower's size is the old one (${servedGrower.rssAnonKiB} KiB)`);
    const first = policy.decide(served, policy.initialState(), params, ctx);
    assert.deepEqual(first.victims.map((v) => v.pid).sort(), [...pids].sort(), 'on the old sizes both are needed');

    const used = (policy.sizesUsed as NonNullable<typeof policy.sizesUsed>)(served, first, params, ctx);
    const freshened = await lazy.freshen(used);
    assert.ok(freshened, 'the decision used a size that was served from an earlier read');
    const fresh = mine(freshened);
    const freshGrower = fresh.processes.find((p) => p.pid === grower.pid) as ProcessInfo;
    assert.ok(freshGrower.rssAnonKiB >= 90 * 1024, `re-read: ${freshGrower.rssAnonKiB} KiB`);
    const second = policy.decide(fresh, policy.initialState(), params, ctx);
    assert.deepEqual(second.victims.map((v) => v.pid), [grower.pid]);

    const reference = policy.decide(mine(await full.scan()), policy.initialState(), params, ctx);
    assert.deepEqual(second.victims.map((v) => v.pid), reference.victims.map((v) => v.pid), 'the same victims as on a full, fresh scan');
    assert.equal(await lazy.freshen(used), undefined, 'nothing left to re-read for the same decision');
  } finally {
    lazy.close();
    full.close();
    await steady.kill();
    await grower.kill();
  }
});
