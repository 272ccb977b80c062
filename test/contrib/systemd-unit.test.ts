// contrib/systemd/reapd.service's SystemCallFilter, checked against what reapd really
// calls: reapd runs under strace through a real kill with reaping (a v1 memcg, a hog)
// and a reload, and every system call it made must be allowed by the filter as systemd
// itself expands it (`systemd-analyze syscall-filter`). A missing call would fail with
// EPERM under the unit (SystemCallErrorNumber=EPERM) — process_mrelease was the one
// earlyoom's unit missed (earlyoom #315).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { Reapd } from '../cli/run-harness.js';

const have = (cmd: string): string | undefined =>
  spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0 ? undefined : `${cmd} not installed (Debian: ${cmd === 'strace' ? 'strace' : 'systemd'})`;
const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc(), have('strace'), have('systemd-analyze'));

const UNIT = join(REPO_ROOT, 'contrib', 'systemd', 'reapd.service');

/** The unit's SystemCallFilter= entries, expanded through systemd's own group table. */
function allowedSyscalls(): Set<string> {
  const filter = /^SystemCallFilter=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  assert.ok(filter.length > 0, 'the unit has a SystemCallFilter');
  const table = spawnSync('systemd-analyze', ['syscall-filter'], { encoding: 'utf8' }).stdout;
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of table.split('\n')) {
    if (line.startsWith('@')) groups.set(line.split(/\s/)[0] ?? '', (current = []));
    else if (current && /^\s+[@a-z0-9_]/.test(line)) current.push(line.trim().split(/\s/)[0] ?? '');
  }
  const out = new Set<string>();
  const expand = (name: string, seen: Set<string>): void => {
    if (!name.startsWith('@')) return void out.add(name);
    if (seen.has(name)) return;
    seen.add(name);
    for (const m of groups.get(name) ?? []) expand(m, seen);
  };
  for (const f of filter) expand(f, new Set());
  return out;
}

/** The system call names in an `strace -c` summary. */
function tracedSyscalls(summary: string): string[] {
  return summary.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5 && /^\d/.test(cols[0] ?? '') && cols[cols.length - 1] !== 'total')
    .map((cols) => cols[cols.length - 1] ?? '');
}

test('every system call reapd makes through a kill with reaping and a reload is allowed by the unit', { skip, timeout: 90_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 128, oomKillDisable: true });
  const reapd = new Reapd();
  const summary = join(reapd.dir, 'strace.txt');
  const hog = spawnHog({ mib: 200, stepMiB: 8, stepMs: 20, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-seccomp-hog' });
  // The harness's child is strace; reapd is its child. Kept to end reapd itself if the
  // test fails half-way (killing strace alone would leave reapd running).
  let daemonPid: number | undefined;
  try {
    reapd.start({
      config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "seccomp"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "16MiB"'].join('\n'),
      wrap: (argv) => ['strace', '-f', '-qq', '-c', '-o', summary, ...argv],
    });
    daemonPid = Number((await reapd.waitForEvent('starting', 30_000)).pid);
    const kill = await reapd.waitForEvent('kill', 60_000);
    assert.equal(kill.pid, hog.pid);
    await withTimeout(hog.exited, 10_000, 'the hog exits');
    // A SIGHUP before 'started' is ignored (the daemon is still starting).
    await reapd.waitForEvent('started', 30_000);
    process.kill(daemonPid, 'SIGHUP');
    await reapd.waitForEvent('config-reloaded', 30_000);
    process.kill(daemonPid, 'SIGTERM');
    await withTimeout(reapd.exited, 15_000, 'reapd and strace exit');
    const used = tracedSyscalls(readFileSync(summary, 'utf8'));
    assert.ok(used.includes('process_mrelease'), `the trace covers the reaper: ${used.join(' ')}`);
    assert.ok(used.includes('pidfd_send_signal'));
    const allowed = allowedSyscalls();
    const missing = used.filter((s) => !allowed.has(s));
    assert.deepEqual(missing, [], `add to SystemCallFilter= in contrib/systemd/reapd.service: ${missing.join(' ')}`);
  } finally {
    await hog.kill();
    if (daemonPid !== undefined) {
      try {
        process.kill(daemonPid, 'SIGKILL');
      } catch {
        /* already gone: the normal case */
      }
    }
    await reapd.cleanup();
    await memcg.remove();
  }
});

test('the expansion is not a rubber stamp: @system-service alone lacks process_mrelease', { skip: firstReason(have('systemd-analyze')) }, () => {
  const allowed = allowedSyscalls();
  assert.ok(allowed.has('process_mrelease') && allowed.has('kcmp') && allowed.has('pidfd_open'));
  const table = spawnSync('systemd-analyze', ['syscall-filter', '@system-service'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(table, /\bprocess_mrelease\b/);
});
