// `reapd ctl target` / `procprio` against a real `reapd run`: lmkd's protocol has no reply to
// LMK_TARGET or LMK_PROCPRIO, so before reapd's outcome query (65) ctl printed "sent" and
// exited 0 while the daemon rate-limited or refused (issue 11 item 8). Now ctl exits 1 with
// the daemon's reason, and 0 only when the daemon did it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';
import { sleeper } from '../control/helpers.js';
import { waitFor } from '../helpers/hog.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'));

function ctl(socket: string, ...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [REAPD_BIN, 'ctl', '--socket', socket, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function ctlAsync(socket: string, ...args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [REAPD_BIN, 'ctl', '--socket', socket, ...args], { timeout: 15_000 }, (e, out, err) => {
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, out, err });
    });
  });
}

const config = (socket: string, domain: string): string =>
  ['[daemon]', `socket = "${socket}"`, 'self_protect = false', '[[domain]]', 'name = "apps"', domain].join('\n');

test('ctl target: exit 0 when applied; exit 1 with the reason when rate-limited or no domain takes a table', { skip, timeout: 90_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 256, oomKillDisable: true });
  const lmkd = new Reapd();
  const socket = join(lmkd.dir, 'lmkd.sock');
  try {
    // min_adj 1000: nothing in this empty memcg is ever a candidate anyway.
    lmkd.start({ config: config(socket, `memcg = "${memcg.path}"\npolicy = "lmkd"\nlevels = "4MiB:0,8MiB:500"\nmin_adj = 1000`) });
    await lmkd.waitForEvent('started', 15_000);
    const first = ctl(socket, 'target', '6MiB:0,12MiB:100');
    assert.equal(first.status, 0, first.err);
    assert.match(first.out, /target applied/);
    // The daemon takes at most one LMK_TARGET per 1000 ms. Two ctl runs at once: one of them
    // (usually) comes inside the other's second. Rounds repeat until one was refused; every
    // run's exit code must match what the daemon logged for it (no timing assumption).
    const runs: Array<{ status: number | null; out: string; err: string }> = [first];
    for (let round = 0; round < 5 && runs.every((r) => r.status === 0); round++) {
      runs.push(...(await Promise.all([ctlAsync(socket, 'target', '6MiB:0,16MiB:100'), ctlAsync(socket, 'target', '6MiB:0,20MiB:100')])));
    }
    const refused = runs.filter((r) => r.status !== 0);
    assert.ok(refused.length > 0, 'one TARGET came within a second of another');
    for (const r of refused) {
      assert.equal(r.status, 1, r.out);
      assert.match(r.err, /LMK_TARGET ignored: \d+ ms after the previous accepted one \(at most one per 1000 ms\)/);
      assert.doesNotMatch(r.out, /applied|sent/);
    }
    for (const r of runs.filter((x) => x.status === 0)) assert.match(r.out, /target applied/);
    const count = (event: string): number => lmkd.lines.filter((l) => l.event === event).length;
    // The daemon's log is read asynchronously: wait until every run's line is in, then compare.
    await waitFor(() => count('control.target-ignored') + count('lmk-target') >= runs.length, 10_000, 'a log line per TARGET');
    assert.equal(count('control.target-ignored'), refused.length);
    assert.equal(count('lmk-target'), runs.length - refused.length);
    assert.equal((await lmkd.stop()).code, 0);
  } finally {
    await lmkd.cleanup();
    await memcg.remove();
  }

  // A daemon whose only domain has no minfree table: the table goes nowhere; say so.
  const memcg2 = memcgV1({ limitMiB: 256, oomKillDisable: true });
  const simple = new Reapd();
  const socket2 = join(simple.dir, 'lmkd.sock');
  try {
    simple.start({ config: config(socket2, `memcg = "${memcg2.path}"\npolicy = "oom-score"\nmin_adj = 1000`) });
    await simple.waitForEvent('started', 15_000);
    const r = ctl(socket2, 'target', '6MiB:0,12MiB:100');
    assert.equal(r.status, 1, r.out);
    assert.match(r.err, /no domain uses a minfree table/);
    assert.equal((await simple.stop()).code, 0);
  } finally {
    await simple.cleanup();
    await memcg2.remove();
  }
});

test('ctl procprio: exit 0 when registered, exit 1 with the reason when the daemon refuses', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 256, oomKillDisable: true });
  const reapd = new Reapd();
  const socket = join(reapd.dir, 'lmkd.sock');
  const kid = await sleeper();
  try {
    reapd.start({ config: config(socket, `memcg = "${memcg.path}"\npolicy = "lmkd"\nlevels = "4MiB:0,8MiB:500"\nmin_adj = 1000`) });
    await reapd.waitForEvent('started', 15_000);
    const ok = ctl(socket, 'procprio', String(kid.pid), '10001', '900');
    assert.equal(ok.status, 0, ok.err);
    assert.match(ok.out, new RegExp(`pid ${kid.pid} registered at adj 900`));
    // The daemon's own pid: never a client's to register.
    const self = ctl(socket, 'procprio', String(reapd.child?.pid), '0', '900');
    assert.equal(self.status, 1, self.out);
    assert.match(self.err, /LMK_PROCPRIO refused: the process is init or reapd itself/);
    assert.equal((await reapd.stop()).code, 0);
  } finally {
    await kid.kill();
    await reapd.cleanup();
    await memcg.remove();
  }
});
