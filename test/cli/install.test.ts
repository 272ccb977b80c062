// `reapd install` / `reapd uninstall` into a scratch root: the unit (ExecStart naming this
// node and this entry point, accepted by systemd-analyze verify), the default
// configuration (an edited one is never overwritten, and survives uninstall unless
// --purge), the D-Bus policy, the man pages, the user unit of `reapd notify` (accepted by
// systemd-analyze --user verify); --dry-run writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';

const UNIT = 'etc/systemd/system/reapd.service';
const SLICE = 'etc/systemd/system/reapd.slice';
const CONF = 'etc/reapd/reapd.toml';
const MAN8 = 'usr/local/share/man/man8/reapd.8';
const MAN5 = 'usr/local/share/man/man5/reapd.toml.5';
const DBUS = 'etc/dbus-1/system.d/io.reapd.Daemon1.conf';
const NOTIFY = 'etc/systemd/user/reapd-notify.service';

function reapd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8' });
}

function withRoot(fn: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'reapd-install-'));
  try {
    fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('install writes the unit, the default config and both man pages', () => {
  withRoot((root) => {
    const r = reapd('install', '--root', root);
    assert.equal(r.status, 0, r.stderr);
    for (const f of [UNIT, SLICE, CONF, MAN8, MAN5, DBUS, NOTIFY]) assert.ok(existsSync(join(root, f)), f);
    assert.equal(readFileSync(join(root, DBUS), 'utf8'), readFileSync(join(REPO_ROOT, 'contrib', 'dbus', 'io.reapd.Daemon1.conf'), 'utf8'));
    const unit = readFileSync(join(root, UNIT), 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=${process.execPath} ${REAPD_BIN} run --config /etc/reapd/reapd.toml$`, 'm'));
    assert.equal(readFileSync(join(root, CONF), 'utf8'), readFileSync(join(REPO_ROOT, 'config', 'default.toml'), 'utf8'));
    assert.match(readFileSync(join(root, NOTIFY), 'utf8'), new RegExp(`^ExecStart=${process.execPath} ${REAPD_BIN} notify$`, 'm'));
    assert.equal(readFileSync(join(root, MAN8), 'utf8'), readFileSync(join(REPO_ROOT, 'man', 'reapd.8'), 'utf8'));
  });
});

test('systemd-analyze verify accepts the installed unit', (t) => {
  if (spawnSync('sh', ['-c', 'command -v systemd-analyze']).status !== 0) {
    t.skip('systemd-analyze not installed (Debian: systemd)');
    return;
  }
  withRoot((root) => {
    assert.equal(reapd('install', '--root', root).status, 0);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', join(root, UNIT), join(root, SLICE)], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr.trim(), '', 'no warnings');
    // A user unit is checked by a user manager's rules; it needs only a runtime directory.
    const runtime = join(root, 'run-user');
    mkdirSync(runtime);
    const u = spawnSync('systemd-analyze', ['--user', 'verify', '--man=no', join(root, NOTIFY)], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    assert.equal(u.status, 0, u.stderr);
    assert.equal(u.stderr.trim(), '', 'no warnings for the user unit');
  });
});

test('an edited configuration is kept by install and by uninstall, removed by uninstall --purge', () => {
  withRoot((root) => {
    assert.equal(reapd('install', '--root', root).status, 0);
    const conf = join(root, CONF);
    writeFileSync(conf, '# mine\n');
    const again = reapd('install', '--root', root);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /kept .*reapd\.toml \(edited/);
    assert.equal(readFileSync(conf, 'utf8'), '# mine\n');
    const un = reapd('uninstall', '--root', root);
    assert.equal(un.status, 0);
    for (const f of [UNIT, SLICE, MAN8, MAN5, DBUS, NOTIFY]) assert.ok(!existsSync(join(root, f)), `${f} removed`);
    assert.equal(readFileSync(conf, 'utf8'), '# mine\n');
    assert.equal(reapd('uninstall', '--root', root, '--purge').status, 0);
    assert.ok(!existsSync(conf));
  });
});

test('an unedited default configuration is removed by uninstall; --dry-run writes and removes nothing', () => {
  withRoot((root) => {
    const dry = reapd('install', '--root', root, '--dry-run');
    assert.equal(dry.status, 0);
    assert.match(dry.stdout, /\(dry run\) wrote/);
    assert.ok(!existsSync(join(root, UNIT)));
    assert.equal(reapd('install', '--root', root).status, 0);
    assert.equal(reapd('uninstall', '--root', root, '--dry-run').status, 0);
    assert.ok(existsSync(join(root, UNIT)));
    assert.equal(reapd('uninstall', '--root', root).status, 0);
    assert.ok(!existsSync(join(root, CONF)));
  });
});

test('install where a file blocks a directory fails with a one-line error, no stack trace', () => {
  withRoot((root) => {
    writeFileSync(join(root, 'etc'), 'a file where a directory should be');
    const r = reapd('install', '--root', root);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^reapd: .*ENOTDIR/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
