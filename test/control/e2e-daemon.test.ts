// End to end, in the spirit of Android's lmkd_test: a real `reapd run` with an lmkd domain
// on a v1 memcg whose kernel OOM killer is disabled, and a client (this test) that
// registers eleven children at adj 1000, 900, …, 0 over the control socket. The children
// keep growing, so memory keeps running short and every one of them has to die: reapd must
// kill them from the highest adj down, each kill must reach the subscribed client as
// LMK_PROCKILL with the pid and the uid the client registered, GETKILLCNT must count them,
// and the kernel's OOM killer must never fire (memory.oom_control oom_kill stays 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmkdClient, type KillEvent } from '../../src/control/client.js';
import { memcgV1, type TestCgroup } from '../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../helpers/hog.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';

const ADJS = [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100, 0];
const LIMIT_MIB = 320;

function oomKills(memcg: TestCgroup): number {
  const m = /^oom_kill (\d+)$/m.exec(memcg.read('memory.oom_control'));
  return m ? Number(m[1]) : 0;
}

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

test('reapd run + lmkd policy + control socket: registered children die highest adj first, each kill reported', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-e2e-ctl-'));
  const socket = join(dir, 'lmkd.sock');
  const memcg = memcgV1({ limitMiB: LIMIT_MIB, oomKillDisable: true });
  const configPath = join(dir, 'reapd.toml');
  // "free" in a memcg domain is limit - usage; 64 MiB:0 kills any registered adj >= 0
  // whenever less than 64 MiB of the memcg's 320 MiB is left.
  writeFileSync(configPath, [
    '[daemon]',
    'log_format = "json"',
    'log_level = "debug"',
    'journal = ""',
    `socket = "${socket}"`,
    'self_protect = false',
    '',
    '[[domain]]',
    'name = "apps"',
    `memcg = "${memcg.path}"`,
    'policy = "lmkd"',
    'levels = "64MiB:0"',
    'reclaim_timeout = "1s"',
    '',
  ].join('\n'));
  let daemonOut = '';
  const daemon = spawn(process.execPath, [REAPD_BIN, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout.on('data', (d: Buffer) => (daemonOut += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (daemonOut += d.toString()));
  const daemonExit = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
  const hogs: Hog[] = [];
  let client: LmkdClient | undefined;
  let failed = false;
  try {
    // The socket file appears at bind(2), before listen(2): a connect in between is refused
    // (seen under load), so wait for the daemon to say it listens.
    await waitFor(() => daemonOut.includes('"event":"control.listening"') || daemon.exitCode !== null, 30_000, 'the control socket');
    assert.equal(daemon.exitCode, null, `reapd run exited early:\n${daemonOut}`);
    client = await LmkdClient.connect(socket);
    const kills: KillEvent[] = [];
    client.onKill((e) => kills.push(e));
    await client.subscribe('kill');

    // Children grow 4 MiB every 100 ms (11 of them fill the memcg in under a second) up to
    // 1 GiB each: far more than the memcg holds, so every one must eventually be killed.
    const uidOf = new Map<number, number>();
    const adjOf = new Map<number, number>();
    for (const [i, adj] of ADJS.entries()) {
      const hog = spawnHog({ mib: 1024, stepMiB: 4, stepMs: 100, cgroups: [memcg.path] });
      hogs.push(hog);
      uidOf.set(hog.pid, 10_000 + i); // app uids, as ActivityManager registers them
      adjOf.set(hog.pid, adj);
    }
    await client.procsPrio(hogs.map((h) => ({ pid: h.pid, uid: uidOf.get(h.pid) as number, adj: adjOf.get(h.pid) as number })));

    await waitFor(() => kills.length === ADJS.length, 90_000, `${ADJS.length} LMK_PROCKILL events (got ${kills.length})`, 50);
    assert.deepEqual(kills.map((k) => adjOf.get(k.pid)), ADJS, 'killed from the highest adj down');
    for (const k of kills) assert.equal(k.uid, uidOf.get(k.pid), `uid of pid ${k.pid}`);
    const exits = await withTimeout(Promise.all(hogs.map((h) => h.exited)), 10_000, 'every child exited');
    assert.ok(exits.every((e) => e.signal === 'SIGKILL'), JSON.stringify(exits));

    assert.equal(await client.getKillCount(0, 1000), ADJS.length);
    assert.equal(await client.getKillCount(1000, 1000), 1);
    assert.equal(await client.getKillCount(500, 900), 5);
    assert.equal(await client.getKillCount(), ADJS.length);
    assert.equal(oomKills(memcg), 0, 'the kernel OOM killer never fired');
  } catch (e) {
    failed = true;
    process.stderr.write(`--- reapd run output ---\n${daemonOut.split('\n').slice(-80).join('\n')}\n`);
    throw e;
  } finally {
    await client?.close();
    await Promise.all(hogs.map((h) => h.kill()));
    if (daemon.exitCode === null) daemon.kill('SIGTERM');
    const code = await withTimeout(daemonExit, 15_000, 'reapd run stops on SIGTERM').catch(() => {
      daemon.kill('SIGKILL');
      return daemonExit;
    });
    await memcg.remove();
    rmSync(dir, { recursive: true, force: true });
    if (!failed) assert.equal(code, 0, `reapd run exit code\n${daemonOut.split('\n').slice(-30).join('\n')}`);
  }
});
