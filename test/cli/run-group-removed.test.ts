// Issue 11 item 3: the daemon never exits 0 while it should be guarding. A simple-lmk
// domain on a v1 memcg is armed only by the memcg's eventfds; removing the group ends
// both. The daemon must log it, keep running, re-arm when the group comes back, and kill
// there again. (Before: the event loop ran dry and the daemon exited 0 without a line.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a removed memcg: the simple-lmk domain logs, waits, resumes when the group returns, and kills there again', { skip, timeout: 90_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 200, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  try {
    reapd.start({
      config: ['[daemon]', 'socket = ""', 'self_protect = false',
        '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "64MiB"', 'reclaim_timeout = "2s"'].join('\n'),
    });
    await reapd.waitForEvent('domain-started', 15_000);
    rmdirSync(memcg.path);
    await reapd.waitForEvent('domain-trigger-ended', 10_000);
    // Long enough for the old daemon to have exited (it did so within 60 ms).
    await sleep(1500);
    assert.equal(reapd.child?.exitCode, null, `the daemon still runs after its group went away\n${reapd.describe()}`);

    mkdirSync(memcg.path);
    writeFileSync(join(memcg.path, 'memory.oom_control'), '1');
    writeFileSync(join(memcg.path, 'memory.limit_in_bytes'), String(200 * 1024 * 1024));
    await reapd.waitForEvent('domain-trigger-resumed', 10_000);
    await reapd.waitFor((l) => l.event === 'domain-trigger-resumed' && /oom/.test(String(l.msg)), 10_000, 'both eventfds re-armed');

    const victim = spawnHog({ mib: 100, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-rm-a900' });
    hogs.push(victim);
    await withTimeout(victim.ready, 15_000, 'victim ready');
    const grow = spawnHog({ mib: 150, stepMiB: 10, stepMs: 20, oomScoreAdj: 0, cgroups: [memcg.path], name: 'reapd-rm-grow' });
    hogs.push(grow);
    await withTimeout(grow.ready, 30_000, `the blocked hog completes once reapd kills in the returned group\n${reapd.describe()}`);
    assert.deepEqual((await victim.exited).signal, 'SIGKILL');
    await reapd.waitForEvent('kill', 10_000);
    assert.deepEqual(reapd.events('kill', 'apps').map((k) => Number(k.pid)), [victim.pid]);
    const stopped = await reapd.stop();
    assert.equal(stopped.code, 0, reapd.describe());
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});
