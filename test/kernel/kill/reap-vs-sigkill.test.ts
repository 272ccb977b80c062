// A 1 GiB victim in its own v1 memcg: how long until its memory is back (memcg usage
// below 10% of what it was — not MemAvailable, kernel-interfaces §3.4), with
// process_mrelease right after SIGKILL versus SIGKILL alone, both through the same
// worker-thread killer in the same run, interleaved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelKiller } from '../../../src/kernel/kill/main-thread-killer.js';
import { threadNowMs } from '../../../src/kernel/clock.js';
import { memcgV1 } from '../../helpers/cgroup.js';
import { spawnHog, withTimeout } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';
import { median, ReleaseWatch, victimOf } from './helpers.js';

const VICTIM_MIB = 1024;
const RUNS = 5;

async function timeRelease(killer: KernelKiller): Promise<{ releaseMs: number; reaped: boolean }> {
  const memcg = memcgV1();
  const hog = spawnHog({ mib: VICTIM_MIB, cgroups: [memcg.path] });
  try {
    await withTimeout(hog.ready, 30_000, 'hog allocation');
    const watch = new ReleaseWatch(memcg.path, 0.1);
    try {
      const t0 = threadNowMs();
      const pending = killer.kill([victimOf(hog.pid, VICTIM_MIB * 1024)], { dryRun: false });
      // Blocks this thread: the kill runs on the worker meanwhile.
      const releasedAt = watch.waitSync(10_000);
      const [result] = await pending;
      assert.ok(result?.killed, `not killed: ${result?.error}`);
      assert.notEqual(releasedAt, null, 'memory not released within 10 s');
      await killer.waitForExit([result], 5000);
      return { releaseMs: (releasedAt as number) - t0, reaped: result.reaped };
    } finally {
      watch.close();
    }
  } finally {
    await hog.kill();
    await memcg.remove();
  }
}

test(
  'a 1 GiB victim: memory comes back faster with process_mrelease than with SIGKILL alone',
  { skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()), timeout: 240_000 },
  async (t) => {
    const reaping = new KernelKiller();
    const sigkillOnly = new KernelKiller({ reap: false, thaw: false, allCpus: false, rtBoost: false });
    t.after(() => Promise.all([reaping.close(), sigkillOnly.close()]));
    await Promise.all([reaping.ready(), sigkillOnly.ready()]);
    const reap: number[] = [];
    const plain: number[] = [];
    let reapedCount = 0;
    for (let i = 0; i < RUNS; i++) {
      plain.push((await timeRelease(sigkillOnly)).releaseMs);
      const r = await timeRelease(reaping);
      reap.push(r.releaseMs);
      if (r.reaped) reapedCount++;
    }
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
    t.diagnostic(`SIGKILL alone: ${fmt(plain)} ms (median ${median(plain).toFixed(1)})`);
    t.diagnostic(`SIGKILL + process_mrelease: ${fmt(reap)} ms (median ${median(reap).toFixed(1)}), reaped ${reapedCount}/${RUNS}`);
    assert.ok(reapedCount > 0, 'process_mrelease never won the race against the exit');
    assert.ok(median(reap) < median(plain), `median with reaping ${median(reap)} ms is not below SIGKILL alone ${median(plain)} ms`);
  },
);
