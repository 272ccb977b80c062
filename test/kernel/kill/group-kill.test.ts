// Whole-scope kills on the real kernel (src/kernel/kill/group-kill.ts): with every process
// of a cgroup2 group a victim, the kill thread freezes it, uses cgroup.kill, reaps each
// member and thaws the group; with one process in the group that is not a victim it never
// writes cgroup.kill (that process would die too) and kills the victims through their pidfds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { cgroup2 } from '../../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroup2, needRoot } from '../../helpers/skip.js';
import { KernelKiller } from '../../../src/kernel/kill/main-thread-killer.js';
import { victimOf } from './helpers.js';
import { existsSync } from 'node:fs';

/** cgroup.kill exists in non-root groups from Linux 5.14 on; the root has none, so look in a child. */
function needCgroupKill(): string | undefined {
  if (needCgroup2() !== undefined) return needCgroup2();
  const probe = cgroup2();
  const has = existsSync(`${probe.path}/cgroup.kill`) && existsSync(`${probe.path}/cgroup.freeze`);
  void probe.remove();
  return has ? undefined : 'needs cgroup.kill and cgroup.freeze (Linux >= 5.14)';
}

const skip = firstReason(needRoot(), needCc(), needRoot() === undefined ? needCgroupKill() : undefined);

async function inGroup(n: number, mib: number): Promise<{ group: ReturnType<typeof cgroup2>; hogs: Hog[]; rel: string }> {
  const group = cgroup2();
  const hogs = Array.from({ length: n }, () => spawnHog({ mib, cgroups: [group.path] }));
  await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'hogs ready');
  return { group, hogs, rel: `/${basename(group.path)}` };
}

test('every process of the group a victim: freeze, cgroup.kill, each reaped, thawed after', { skip, timeout: 60_000 }, async () => {
  const { group, hogs, rel } = await inGroup(3, 20);
  const killer = new KernelKiller({});
  try {
    await killer.ready();
    const results = await killer.kill(hogs.map((h) => victimOf(h.pid, 20 * 1024)), { dryRun: false, group: rel });
    await killer.waitForExit(results, 3000);
    for (const r of results) {
      assert.equal(r.killed, true);
      assert.ok(r.notes.some((n) => /froze, then cgroup\.kill/.test(n)), r.notes.join('; '));
      assert.equal(r.reaped, true, `reaped: ${r.notes.join('; ')}`);
    }
    for (const h of hogs) assert.equal((await withTimeout(h.exited, 5000, 'exit')).signal, 'SIGKILL');
    assert.equal(group.read('cgroup.freeze').trim(), '0', 'thawed');
  } finally {
    await killer.close();
    await Promise.all(hogs.map((h) => h.kill()));
    await group.remove();
  }
});

test('a process in the group that is not a victim: no cgroup.kill, victims killed through their pidfds, the other lives', { skip, timeout: 60_000 }, async () => {
  const { group, hogs, rel } = await inGroup(3, 10);
  const [stranger, ...victims] = hogs;
  assert.ok(stranger);
  const killer = new KernelKiller({});
  try {
    await killer.ready();
    const results = await killer.kill(victims.map((h) => victimOf(h.pid, 10 * 1024)), { dryRun: false, group: rel });
    await killer.waitForExit(results, 3000);
    for (const r of results) {
      assert.equal(r.killed, true);
      assert.ok(r.notes.some((n) => /cgroup\.kill not used, 1 process\(es\) .* are not victims/.test(n)), r.notes.join('; '));
      assert.ok(!r.notes.some((n) => /then cgroup\.kill/.test(n)));
    }
    for (const h of victims) assert.equal((await withTimeout(h.exited, 5000, 'exit')).signal, 'SIGKILL');
    assert.equal(stranger.child.exitCode, null, 'the process that was not a victim lives');
    assert.equal(group.read('cgroup.freeze').trim(), '0', 'thawed, so the survivor runs on');
  } finally {
    await killer.close();
    await Promise.all(hogs.map((h) => h.kill()));
    await group.remove();
  }
});
