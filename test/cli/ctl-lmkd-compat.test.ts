// `reapd ctl` and LmkdClient.outcome() against a server without reapd's outcome query (65),
// as Android's lmkd is: it ignores the unknown command and answers nothing. The client must
// not hang or report a refusal it cannot know: outcome() resolves undefined (the GETKILLCNT
// reply sent after the query comes first), `ctl target` says "sent" and exits 0, and
// `ctl procprio` falls back to reading the process's oom_score_adj (the stand-in writes
// none, so it reports that the daemon did not register it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmkdClient } from '../../src/control/client.js';
import { sleeper } from '../control/helpers.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import { REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';
import { needCc } from '../helpers/skip.js';

function standinBinary(): string {
  const src = join(REPO_ROOT, 'test', 'cli', 'lmkd-standin.c');
  const out = join(tmpdir(), `reapd-lmkd-standin-${createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12)}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, src]);
  return out;
}

test('against a server that ignores query 65 (lmkd): outcome() is undefined, ctl target exits 0, ctl procprio reads the adj back', { skip: needCc() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-lmkd-compat-'));
  const socket = join(dir, 'lmkd.sock');
  const server = spawn(standinBinary(), [socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => server.once('exit', r));
  let out = '';
  server.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const kid = await sleeper();
  try {
    await waitFor(() => out.includes('ready'), 10_000, 'the stand-in listens');
    const c = await LmkdClient.connect(socket, { replyTimeoutMs: 5000 });
    try {
      await c.target([{ minfreeKiB: 6144, adj: 0 }]);
      assert.equal(await c.outcome(), undefined);
      assert.equal(await c.getKillCount(), 0, 'the connection still works');
    } finally {
      await c.close();
    }
    const ctl = (...args: string[]): { status: number | null; out: string; err: string } => {
      const r = spawnSync(process.execPath, [REAPD_BIN, 'ctl', '--socket', socket, ...args], { encoding: 'utf8', timeout: 15_000 });
      return { status: r.status, out: r.stdout, err: r.stderr };
    };
    const target = ctl('target', '6MiB:0,12MiB:100');
    assert.equal(target.status, 0, target.err);
    assert.match(target.out, /target sent/);
    const prio = ctl('procprio', String(kid.pid), '10001', '900');
    assert.equal(prio.status, 1, prio.out);
    assert.match(prio.err, new RegExp(`did not register pid ${kid.pid} at adj 900 \\(its oom_score_adj is -?\\d+\\)`));
  } finally {
    await kid.kill();
    server.kill('SIGKILL');
    await withTimeout(exited, 5000, 'stand-in exit');
    rmSync(dir, { recursive: true, force: true });
  }
});
