// Issue 11 item 5: a rule cannot wedge the daemon. A backtracking-prone cmdline rule and
// a process whose argv anyone could choose ("a"×34 + "!") froze the main loop and the
// watchdog under the backtracking RegExp engine: the hog sat at its memcg's limit, unkilled,
// for minutes. With linear-time matching (re2js) the hog is killed as with no rule at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const EVIL_ARGV0 = `${'a'.repeat(34)}!`;

test('a backtracking-prone cmdline rule and an argv chosen against it do not stop a kill', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 120, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  // exec -a: the sleeper's argv[0] (and so its cmdline) is the evil text; it joins the memcg first.
  const sleeper = spawn('bash', ['-c', `echo $$ > '${memcg.path}/cgroup.procs' && exec -a '${EVIL_ARGV0}' sleep 600`], { stdio: 'ignore' });
  const sleeperExited = new Promise((r) => sleeper.once('exit', r));
  try {
    reapd.start({
      config: ['[daemon]', 'socket = ""', 'self_protect = false',
        '[[rules.protect]]', "cmdline = '^(\\w+\\s?)*$'",
        '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "64MiB"'].join('\n'),
    });
    await reapd.waitForEvent('domain-started', 15_000);
    const hog = spawnHog({ mib: 200, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-evil-hog' });
    hogs.push(hog);
    const end = await withTimeout(hog.exited, 20_000, `the hog at the limit killed despite the rule\n${reapd.describe()}`);
    assert.equal(end.signal, 'SIGKILL');
    await reapd.waitForEvent('kill', 10_000);
    assert.deepEqual(reapd.events('kill', 'apps').map((k) => Number(k.pid)), [hog.pid]);
    assert.equal(sleeper.exitCode, null, 'the sleeper (not a victim: adj 0, a few KiB) lives');
    assert.equal((await reapd.stop()).code, 0, reapd.describe());
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    if (sleeper.exitCode === null && sleeper.signalCode === null) sleeper.kill('SIGKILL');
    await sleeperExited;
    await memcg.remove();
  }
});
