// `reapd ctl` (the real CLI binary) against a control server in this test process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REAPD_BIN } from '../helpers/paths.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import type { Level } from '../../src/policy/table.js';
import { sleeper, startServer, type TestServer } from '../control/helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ctl(t: TestServer | string, ...args: string[]): Promise<Run> {
  const socket = typeof t === 'string' ? t : t.path;
  return new Promise((resolve) => {
    execFile(process.execPath, [REAPD_BIN, 'ctl', '--socket', socket, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('ctl procprio registers a process (unclaimed once ctl exits); procremove removes it', async () => {
  const t = await startServer();
  const kid = await sleeper();
  try {
    const r = await ctl(t, 'procprio', String(kid.pid), '10001', '900');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`procprio: pid ${kid.pid} registered at adj 900`));
    await waitFor(() => t.server.registry().get(kid.pid)?.uid === 10001, 5000, 'registration');
    assert.equal(t.server.registry().get(kid.pid)?.oomScoreAdj, 900);
    const rm = await ctl(t, 'procremove', String(kid.pid));
    assert.equal(rm.code, 0, rm.stderr);
    await waitFor(() => !t.server.registry().has(kid.pid), 5000, 'removal');
  } finally {
    await kid.kill();
    await t.stop();
  }
});

test('ctl target sends the table in pages; the server hands it on in KiB', async () => {
  const tables: Level[][] = [];
  const t = await startServer({ onTarget: (l) => void tables.push(l) });
  try {
    const r = await ctl(t, 'target', '6MiB:0,8MiB:100,64MiB:900');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => tables.length === 1, 5000, 'target');
    assert.deepEqual(tables[0], [{ minfreeKiB: 6144, adj: 0 }, { minfreeKiB: 8192, adj: 100 }, { minfreeKiB: 65536, adj: 900 }]);
    const bad = await ctl(t, 'target', '8MiB:0,6MiB:100');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ascend/);
  } finally {
    await t.stop();
  }
});

test('ctl killcnt prints the count; ctl subscribe --json prints kill events and exits after --count', async () => {
  const t = await startServer();
  try {
    const sub = spawn(process.execPath, [REAPD_BIN, 'ctl', '--socket', t.path, 'subscribe', '--json', '--count', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    createInterface({ input: sub.stdout }).on('line', (l) => lines.push(l));
    let stderr = '';
    sub.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => sub.once('exit', (code) => r(code)));
    await waitFor(() => stderr.includes('subscribed'), 10_000, 'subscribed');
    // "subscribed" is printed once the server confirmed the subscription (LmkdClient.subscribe).
    for (const [pid, adj] of [[4_200_001, 900], [4_200_002, 100]] as const) {
      t.server.notifyKill({ time: '', pid, name: 'x', uid: 77, oomScoreAdj: adj, sizeKiB: 1, anonKiB: 1, policy: 'lmkd', reason: 'level', reaped: true, reapMs: 1, exitMs: 1, dryRun: false });
    }
    assert.equal(await withTimeout(exited, 10_000, 'subscribe exits'), 0);
    assert.deepEqual(lines.map((l) => JSON.parse(l) as { event: string; pid: number; uid: number }).map((e) => [e.event, e.pid, e.uid]), [
      ['kill', 4_200_001, 77],
      ['kill', 4_200_002, 77],
    ]);
    assert.equal((await ctl(t, 'killcnt')).stdout.trim(), '2');
    assert.equal((await ctl(t, 'killcnt', '900', '1000')).stdout.trim(), '1');
    assert.equal((await ctl(t, 'killcnt', '900')).code, 2);
  } finally {
    await t.stop();
  }
});

test('ctl update-props exits 0 when the reload worked and 1 when it did not', async () => {
  let ok = true;
  const t = await startServer({ onUpdateProps: async () => ok });
  try {
    const good = await ctl(t, 'update-props');
    assert.equal(good.code, 0, good.stderr);
    ok = false;
    const badReload = await ctl(t, 'update-props');
    assert.equal(badReload.code, 1);
    assert.match(badReload.stdout, /reload failed/);
  } finally {
    await t.stop();
  }
});

test('ctl: bad arguments exit 2, no server exits 1 with a hint', async () => {
  const t = await startServer();
  try {
    assert.equal((await ctl(t, 'procprio', '1', '0', '1001')).code, 2);
    assert.equal((await ctl(t, 'procprio', 'abc', '0', '0')).code, 2);
    assert.equal(t.events('control.connected').length, 0); // rejected before connecting
  } finally {
    await t.stop();
  }
  const none = await ctl(`${t.dir}/nothing.sock`, 'killcnt');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /ENOENT.*reapd run/);
});

test('ctl procprio reports a refusal: exit 1 with the daemon\'s reason (issue 11 item 8)', async () => {
  const t = await startServer();
  try {
    // pid 1 is never a client's to register: the server refuses.
    const r = await ctl(t, 'procprio', '1', '10001', '900');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /the daemon did not do it: LMK_PROCPRIO refused: the process is init or reapd itself/);
    assert.doesNotMatch(r.stdout, /registered|sent/);
  } finally {
    await t.stop();
  }
});
