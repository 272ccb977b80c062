// Issue 11 item 8: output and input trouble ends with one line and a documented exit code,
// never a stack trace: a reader that goes away (EPIPE), a full disk (ENOSPC), /dev/zero as
// an input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REAPD_BIN } from '../helpers/paths.js';

const STACK = /^\s+at |Error: .*\n\s+at /m;

test('reapd journal | head: the reader going away is not an error (EPIPE), no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-io-'));
  try {
    const path = join(dir, 'j.jsonl');
    const rec = { time: '2025-06-01T12:00:03.120Z', pid: 1234, name: 'x', uid: 0, oomScoreAdj: 900, sizeKiB: 1, anonKiB: 1, policy: 'simple-lmk', reason: 'minfree', reaped: true, reapMs: 1, exitMs: 1, dryRun: false };
    writeFileSync(path, `${Array.from({ length: 20_000 }, () => JSON.stringify(rec)).join('\n')}\n`);
    const child = spawn(process.execPath, [REAPD_BIN, 'journal', '--path', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // As head -1: read the first chunk, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (c) => (clearTimeout(t), resolve(c)));
    });
    assert.equal(code, EXIT.OK, stderr);
    assert.doesNotMatch(stderr, STACK);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reapd snapshot to a full disk (/dev/full): one line, exit 1', () => {
  const r = spawnSync('sh', ['-c', `exec ${process.execPath} ${REAPD_BIN} snapshot > /dev/full`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, EXIT.FAILURE, r.stderr);
  assert.match(r.stderr, /^reapd: cannot write standard output: ENOSPC$/m);
  assert.doesNotMatch(r.stderr, STACK);
});

for (const argv of [['explain', '--snapshot', '/dev/zero'], ['simulate', '/dev/zero'], ['journal', '--path', '/dev/zero']]) {
  test(`${argv.join(' ')}: refused at once, exit 6`, () => {
    const r = spawnSync(process.execPath, [REAPD_BIN, ...argv], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, EXIT.INPUT, r.stderr);
    assert.match(r.stderr, /not a regular file/);
  });
}

test('simulate refuses a scenario of more than 1,000,000 ticks (it once grew to 11.7 GB), exit 6', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-io-'));
  try {
    const path = join(dir, 'long.toml');
    writeFileSync(path, 'duration = "1000h"\ntick = "1ms"\n[[domain]]\nsize = "1GiB"\n');
    const r = spawnSync(process.execPath, [REAPD_BIN, 'simulate', path], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, EXIT.INPUT, r.stderr);
    assert.match(r.stderr, /duration.*at most 1,000,000 ticks/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
