// End to end: `reapd run` guarding one cgroup v1 memcg with simple-lmk, triggered by the
// memcg's vmpressure-critical and under_oom eventfds. The kernel's OOM killer is disabled
// in the group (oom_kill_disable=1), so only reapd can free it: a growing hog hits the
// limit and blocks, reapd kills exactly the victims simple-lmk names for these sizes, the
// adj-0 hog survives, the blocked hog completes its allocation, and the kernel never kills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcgV1, type TestCgroup } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { POLICIES } from '../../src/policy/registry.js';
import { parseMinfree } from '../../src/policy/params.js';
import type { ProcessInfo } from '../../src/model/snapshot.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

const MIB = 1024;
const LIMIT_MIB = 320;
const MINFREE = '64MiB';

function info(pid: number, adj: number, mib: number): ProcessInfo {
  return {
    pid, name: `h${pid}`, state: 'S', kernelThread: false, exiting: false, uid: 0, startTime: pid,
    oomScoreAdj: adj, rssAnonKiB: mib * MIB, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0,
  };
}

function oomKills(cg: TestCgroup): number {
  const m = /^oom_kill (\d+)$/m.exec(cg.read('memory.oom_control'));
  return m ? Number(m[1]) : 0;
}

test('simple-lmk in a v1 memcg: kills exactly the victims the policy names; the kernel never kills', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: LIMIT_MIB, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  try {
    const sizes = [
      { adj: 0, mib: 40, name: 'reapd-e2e-adj0' },
      { adj: 500, mib: 60, name: 'reapd-e2e-a500' },
      { adj: 900, mib: 30, name: 'reapd-e2e-a900' },
    ];
    for (const s of sizes) hogs.push(spawnHog({ mib: s.mib, oomScoreAdj: s.adj, cgroups: [memcg.path], name: s.name }));
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'hogs ready');
    reapd.start({
      config: [
        '[daemon]', 'socket = ""', 'self_protect = false',
        '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', `minfree = "${MINFREE}"`, 'reclaim_timeout = "2s"',
      ].join('\n'),
    });
    await reapd.waitForEvent('domain-started', 15_000);
    // 40 + 60 + 30 + 220 MiB > 320 MiB: the growing hog blocks at the limit until reapd frees memory.
    const grow = spawnHog({ mib: 220, stepMiB: 20, stepMs: 20, oomScoreAdj: 0, cgroups: [memcg.path], name: 'reapd-e2e-grow' });
    hogs.push(grow);
    await withTimeout(grow.ready, 30_000, `the blocked hog completes its allocation\n${reapd.describe()}`);

    // What simple-lmk decides for these sizes (the growing hog at its largest).
    const [h0, h500, h900] = hogs;
    assert.ok(h0 && h500 && h900);
    const snapshot = { version: 1 as const, memory: { totalKiB: 0, freeKiB: 0, availableKiB: 0, cachedKiB: 0, buffersKiB: 0, shmemKiB: 0, unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 0 },
      processes: [info(h0.pid, 0, 40), info(h500.pid, 500, 60), info(h900.pid, 900, 30), info(grow.pid, 0, 200)] };
    const expected = POLICIES['simple-lmk']
      .decide(snapshot, {}, { minfreeKiB: parseMinfree(MINFREE), reclaimTimeoutMs: 2000 }, { nowMs: 0, rules: { protect: [], prefer: [], avoid: [] } })
      .victims.map((v) => v.pid).sort();
    assert.deepEqual(expected, [h500.pid, h900.pid].sort(), 'the policy names the adj 900 and adj 500 hogs');

    // The hog completes once memory is freed; the kill lines follow the victims' exits.
    await reapd.waitFor(() => reapd.events('kill', 'apps').length >= expected.length, 10_000, 'the kill lines');
    const killed = reapd.events('kill', 'apps').map((k) => Number(k.pid)).sort();
    assert.deepEqual(killed, expected, reapd.describe());
    assert.ok(reapd.events('kill').every((k) => k.dryRun === false && k.policy === 'simple-lmk'));
    const decision = reapd.events('decision', 'apps').find((d) => Array.isArray(d.victims) && d.victims.length > 0);
    assert.ok(decision);
    assert.match(String((decision.trigger as { source: string }).source), /^(vmpressure|oom-control)$/, 'a memcg eventfd ran the reclaim');
    assert.deepEqual((await h500.exited).signal, 'SIGKILL');
    assert.deepEqual((await h900.exited).signal, 'SIGKILL');
    assert.equal(h0.child.exitCode, null, 'the adj-0 hog survives');
    assert.equal(grow.child.exitCode, null, 'the growing hog survives');
    assert.equal(oomKills(memcg), 0, 'the kernel OOM killer never fired');
    assert.deepEqual(reapd.journal().map((r) => Number(r.pid)).sort(), expected, 'every kill is journalled');
    const stopped = await reapd.stop();
    assert.equal(stopped.code, 0, reapd.describe());
    assert.ok(reapd.events('stopped').length === 1);
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});
