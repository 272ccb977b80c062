// `reapd check-config` and a bad configuration for `reapd run`: every error on stderr with
// its key and line, exit code 3 (EXIT.CONFIG); a valid file: a summary and exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';

function reapd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withFile(text: string, f: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-cc-'));
  try {
    const path = join(dir, 'reapd.toml');
    writeFileSync(path, text);
    f(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BAD = ['[daemon]', 'log_format = "yaml"', '[[domain]]', 'policy = "simple-lmk"', 'minfree = "-5"', 'colour = "red"'].join('\n');

test('check-config: a valid file prints a summary naming the triggers run really arms, and exits 0', { skip: firstReason(needRoot(), needCgroupV1('memory')) }, async () => {
  const memcg = memcgV1({ limitMiB: 64 });
  try {
    withFile(`[[domain]]\nname = "apps"\nmemcg = "${memcg.path}/"\npolicy = "simple-lmk"\nminfree = "32MiB"\n`, (path) => {
      const r = reapd('check-config', path);
      assert.equal(r.status, EXIT.OK, r.stderr);
      assert.match(r.stdout, new RegExp(`^${path}: valid`));
      // "a/" and "a" are one spelling of the group.
      assert.match(r.stdout, new RegExp(`domain "apps": cgroup ${memcg.path}, policy simple-lmk \\(minfree 32\\.0 MiB`));
      // Issue 11 item 8: not "psi some 70ms/1000ms" — a v1 memcg with a pressure policy gets its eventfds.
      assert.match(r.stdout, new RegExp(`run arms: vmpressure critical eventfd on ${memcg.path} \\+ under_oom eventfd on ${memcg.path}`));
      assert.doesNotMatch(r.stdout, /psi some/);
    });
  } finally {
    await memcg.remove();
  }
});

test('check-config with no file checks the embedded default', () => {
  const r = reapd('check-config');
  assert.equal(r.status, EXIT.OK, r.stderr);
  assert.match(r.stdout, /\(embedded default\): valid/);
  assert.match(r.stdout, /policy lmkd \(mode psi/);
  assert.match(r.stdout, /available_low_percentage 5%/);
});

test('check-config: every error with key and line on stderr, exit 3', () => {
  withFile(BAD, (path) => {
    const r = reapd('check-config', path);
    assert.equal(r.status, EXIT.CONFIG);
    assert.match(r.stderr, new RegExp(`${path}:2: daemon\\.log_format: expected one of "human", "json"`));
    assert.match(r.stderr, new RegExp(`${path}:5: domain\\[1\\]\\.minfree:`));
    assert.match(r.stderr, new RegExp(`${path}:6: domain\\[1\\]\\.colour: unknown key`));
    assert.equal(r.stdout, '');
  });
});

test('check-config takes the run flags too, and names a bad flag', () => {
  const r = reapd('check-config', '--policy', 'lowmemorykiller', '--levels', '8MiB:0,4MiB:100');
  assert.equal(r.status, EXIT.CONFIG);
  assert.match(r.stderr, /--levels: level 2: minfree 4\.0 MiB is not above/);
});

test('run with a bad configuration exits 3 naming every error, before starting anything', () => {
  withFile(BAD, (path) => {
    const r = reapd('run', '--config', path);
    assert.equal(r.status, EXIT.CONFIG);
    for (const key of ['daemon.log_format', 'domain[1].minfree', 'domain[1].colour']) assert.ok(r.stderr.includes(key), `${key} in ${r.stderr}`);
  });
  const missing = reapd('run', '--config', '/nonexistent/reapd.toml');
  assert.equal(missing.status, EXIT.CONFIG);
  assert.match(missing.stderr, /ENOENT/);
});
