// Issue 11 item 9, for a victim that never registered on the control socket: a real
// `reapd run` (lmkd policy, v1 memcg, kernel OOM killer off) kills a hog nobody registered,
// and the LMK_STAT_KILL_OCCURRED it sends carries lmkd's name for it — argv[0] of
// /proc/PID/cmdline, cut at the first space (here the hog's path) — read by the scan
// while the hog lived, not the 15-byte comm ("com.reapd.unreg") it sent before; and
// min_oom_score is the adj of the level that applied. The journal keeps the name too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmkdClient, type KillStat } from '../../src/control/client.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, waitFor, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const HOG_NAME = 'com.reapd.unregistered.hog';

test('an unregistered victim\'s kill statistics carry lmkd\'s name (argv[0]), not the comm; min_oom_score is the level adj', { skip, timeout: 90_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 192, oomKillDisable: true });
  const reapd = new Reapd();
  const socket = join(reapd.dir, 'lmkd.sock');
  let client: LmkdClient | undefined;
  let hog: Hog | undefined;
  try {
    reapd.start({
      config: ['[daemon]', `socket = "${socket}"`, 'self_protect = false', '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "lmkd"', 'levels = "48MiB:0"', 'reclaim_timeout = "1s"'].join('\n'),
    });
    await reapd.waitForEvent('control.listening', 20_000);
    client = await LmkdClient.connect(socket);
    const stats: KillStat[] = [];
    client.onStat((s) => stats.push(s));
    await client.subscribe('stat');
    // Never registered: the domain has no registered member, so it kills by adj as lmkd does.
    hog = spawnHog({ mib: 1024, stepMiB: 4, stepMs: 50, cgroups: [memcg.path], name: HOG_NAME });
    const pid = hog.pid;
    await waitFor(() => stats.length > 0, 60_000, `a kill statistic\n${reapd.describe()}`, 50);
    const [stat] = stats;
    assert.equal(stat?.taskName, join(tmpdir(), HOG_NAME), 'argv[0] of the cmdline, as lmkd names it');
    assert.notEqual(stat?.taskName, HOG_NAME.slice(0, 15));
    assert.equal(stat?.minOomScore, 0, 'the adj of the level that applied');
    assert.equal(stat?.oomScore, 0);
    const exit = await hog.exited;
    assert.equal(exit.signal, 'SIGKILL');
    await waitFor(() => reapd.journal().some((r) => r.pid === pid && r.stage === 'final'), 10_000, 'the journal record');
    const record = reapd.journal().find((r) => r.pid === pid);
    assert.equal(record?.name, HOG_NAME.slice(0, 15));
    assert.equal(record?.taskName, join(tmpdir(), HOG_NAME));
  } finally {
    await client?.close();
    await hog?.kill();
    await reapd.cleanup();
    await memcg.remove();
  }
});
