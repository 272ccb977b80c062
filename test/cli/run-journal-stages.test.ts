// Issue 11 item 6: no kill goes unrecorded. The record is written when SIGKILL goes out
// (exitMs unknown) and completed after the exit; `reapd journal` shows a kill once, and a
// kill whose completion never came (a crash during the wait) as "exit not recorded".
// An unwritable journal path is reported at start and by check-config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const reapd = (...args: string[]) => spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 20_000 });

test('a kill is journalled at the signal, then completed; reapd journal shows each state', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 120, oomKillDisable: true });
  const daemon = new Reapd();
  const hogs: Hog[] = [];
  try {
    daemon.start({
      config: ['[daemon]', 'socket = ""', 'self_protect = false',
        '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "64MiB"'].join('\n'),
    });
    await daemon.waitForEvent('domain-started', 15_000);
    const hog = spawnHog({ mib: 200, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-jrnl-hog' });
    hogs.push(hog);
    await withTimeout(hog.exited, 20_000, `hog killed\n${daemon.describe()}`);
    await daemon.waitForEvent('kill', 10_000);
    const lines = daemon.journalLines();
    assert.equal(lines.length, 2, JSON.stringify(lines));
    const [signalled, final] = lines;
    assert.equal(signalled?.stage, 'signalled');
    assert.equal(signalled?.exitMs, null);
    assert.equal(signalled?.killed, true);
    assert.equal(final?.stage, 'final');
    assert.equal(typeof final?.exitMs, 'number');
    assert.equal(final?.killId, signalled?.killId);
    assert.equal(final?.pid, hog.pid);

    const both = reapd('journal', '--path', daemon.journalPath);
    assert.equal(both.status, 0, both.stderr);
    assert.equal(both.stdout.trim().split('\n').length, 2, `a header and one row per kill:\n${both.stdout}`);
    assert.doesNotMatch(both.stdout, /exit not recorded/);
    // As after a crash during the wait: only the record written at the signal.
    const crashed = join(daemon.dir, 'crashed.jsonl');
    writeFileSync(crashed, `${readFileSync(daemon.journalPath, 'utf8').split('\n')[0]}\n`);
    const one = reapd('journal', '--path', crashed);
    assert.match(one.stdout, new RegExp(`${hog.pid} .*killed(\\+reaped)?, exit not recorded\\s+\\S+\\s+\\?`));
    const json = reapd('journal', '--json', '--path', daemon.journalPath);
    assert.equal(json.stdout.trim().split('\n').length, 1, 'one JSON record per kill');
  } finally {
    await daemon.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});

test('an unwritable journal path is reported at start and by check-config', { skip: needRoot(), timeout: 60_000 }, async () => {
  const daemon = new Reapd();
  try {
    const file = join(daemon.dir, 'a-file');
    writeFileSync(file, '');
    const dir = join(daemon.dir, 'a-dir');
    mkdirSync(dir);
    for (const [bad, why] of [[join(file, 'journal.jsonl'), /a parent of .* is a file/], [dir, /is a directory/]] as const) {
      const r = reapd('check-config', '--journal', bad);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, why);
    }
    const memcg = memcgV1({ limitMiB: 64 });
    try {
      daemon.start({
        config: ['[daemon]', 'socket = ""', 'self_protect = false', '[[domain]]', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"'].join('\n'),
        args: ['--journal', join(file, 'journal.jsonl')],
      });
      const line = await daemon.waitForEvent('journal-unwritable', 15_000);
      assert.match(line.msg, /a parent of .* is a file/);
      await daemon.waitForEvent('started', 15_000);
      assert.equal((await daemon.stop()).code, 0, daemon.describe());
    } finally {
      await memcg.remove();
    }
  } finally {
    await daemon.cleanup();
  }
});
