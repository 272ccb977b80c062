// Issue 11 item 1, the reload soak: 100 SIGHUPs alternating a valid file, an invalid one,
// a 5 MB one and an empty one, while a memcg domain keeps killing a hog every few seconds.
// The daemon runs as users run it (self-protection on, so under the re-exec's small heap,
// where a 2.2 MiB file used to abort it). It must never stop, kill every hog, and report
// its main loop's largest delay (REAPD_LOOP_DELAY=1; the number goes to the test's
// diagnostics and docs/performance.md, not into an assertion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SIGHUPS = Number(process.env.SOAK_HUPS ?? 100);
const HUP_EVERY_MS = 120;
const HOG_EVERY_MS = 2500;
const MIN_HOGS = 5;

function fiveMegabytes(): string {
  const lines = ['[daemon]'];
  for (let i = 0, n = 0; n < 5_000_000; i++) {
    const l = `[[rules.protect]]\nname = "^soak-${i}$"`;
    lines.push(l);
    n += l.length + 1;
  }
  return lines.join('\n');
}

test('reload soak: 100 SIGHUPs (valid, invalid, 5 MB, empty) while a memcg domain kills a hog every few seconds', { skip, timeout: 120_000 }, async (t) => {
  const memcg = memcgV1({ limitMiB: 120, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  const files = [
    '[[domain]]\nreclaim_timeout = "1s"\n',
    '[[domain]]\nminfree = "huge"\nno_such_key = 1\n',
    fiveMegabytes(),
    '',
  ];
  try {
    reapd.start({
      config: files[0],
      args: ['--memcg', memcg.path, '--policy', 'simple-lmk', '--minfree', '64MiB', '--socket', ''],
      env: { REAPD_LOOP_DELAY: '1' },
    });
    await reapd.waitForEvent('started', 20_000);
    let hups = 0;
    const hupper = (async () => {
      for (; hups < SIGHUPS; hups++) {
        writeFileSync(reapd.configPath, files[hups % files.length] ?? '');
        reapd.signal('SIGHUP');
        await sleep(HUP_EVERY_MS);
      }
    })();
    let done = false;
    void hupper.finally(() => (done = true));
    // At least MIN_HOGS kills, so that a baseline run without SIGHUPs (SOAK_HUPS=0) compares.
    while (!done || hogs.length < MIN_HOGS) {
      const hog = spawnHog({ mib: 200, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-soak-hog' });
      hogs.push(hog);
      const end = await withTimeout(hog.exited, 20_000, `hog ${hogs.length} killed\n${reapd.describe()}`);
      assert.equal(end.signal, 'SIGKILL', `hog ${hogs.length} ended by ${JSON.stringify(end)}`);
      await sleep(HOG_EVERY_MS);
    }
    await hupper;
    await sleep(1000);
    assert.equal(reapd.child?.exitCode, null, `the daemon still runs after ${hups} SIGHUPs\n${reapd.describe()}`);
    const stopped = await reapd.stop();
    const delay = reapd.events('loop-delay')[0];
    t.diagnostic(`${hups} SIGHUPs, ${hogs.length} hogs killed; ${String(delay?.msg)}`);
    assert.equal(stopped.code, 0, reapd.describe());
    assert.ok(delay, 'loop-delay logged at stop');
    const killed = new Set(reapd.events('kill').map((k) => Number(k.pid)));
    assert.deepEqual(hogs.filter((h) => !killed.has(h.pid)).map((h) => h.pid), [], 'reapd killed every hog');
    assert.equal(reapd.events('guard-lost').length, 0);
    if (SIGHUPS === 0) return; // the baseline run
    assert.ok(reapd.events('config-reloaded').length > 0, 'valid files applied');
    assert.ok(reapd.events('config-invalid').some((l) => /at most 256 KiB/.test(l.msg)), 'the 5 MB file refused by size');
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});
