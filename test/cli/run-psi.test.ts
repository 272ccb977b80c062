// End to end: a PSI trigger on a cgroup2 group's memory.pressure. A thrasher reads a
// 256 MiB file through a 64 MiB cgroup v1 memcg (so its pages are evicted and refaulted:
// real memory stall) while sitting in a cgroup2 group; reapd guards that group with
// simple-lmk and kills the adj 900 process in it when the trigger fires.
//   - unprivileged (this machine has no CAP_SYS_RESOURCE): a 1 s window is refused by the
//     kernel, reapd falls back to 2 s and says so, and the event still arrives;
//   - privileged: the daemon runs inside `unshare -U -r`, whose credentials carry
//     CAP_SYS_RESOURCE, so a 100 ms window is accepted as asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroup2, memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { firstReason, needCc, needCgroup2, needCgroupV1, needPsi, needRoot, needUnshareUser } from '../helpers/skip.js';
import { parseDurationMs } from '../../src/model/units.js';
import { Reapd, shellQuote } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCgroup2(), needPsi(), needCc());

function thrashBinary(): string {
  const src = join(REPO_ROOT, 'test', 'cli', 'run-thrash.c');
  const out = join(tmpdir(), `reapd-thrash-${createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12)}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, src]);
  return out;
}

/** A 256 MiB file on a disk-backed filesystem (tmpfs pages could not be evicted). */
function bigFile(dir: string): string {
  const path = join(dir, 'thrash.dat');
  execFileSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=1M', 'count=256', 'conv=fsync', 'status=none']);
  return path;
}

async function psiRun(opts: { privileged: boolean; stall: string; window: string }): Promise<void> {
  const memcg = memcgV1({ limitMiB: 64 });
  const group = cgroup2();
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  const fileDir = join('/var/tmp', `reapd-psi-${process.pid}`);
  execFileSync('mkdir', ['-p', fileDir]);
  let thrasher: ReturnType<typeof spawn> | undefined;
  try {
    const victim = spawnHog({ mib: 8, oomScoreAdj: 900, cgroups: [group.path], name: 'reapd-psi-a900' });
    hogs.push(victim);
    await withTimeout(victim.ready, 10_000, 'victim ready');
    const file = bigFile(fileDir);
    reapd.start({
      config: [
        '[daemon]', 'socket = ""', 'self_protect = false',
        '[[domain]]', 'name = "psi"', `memcg = "${group.path}"`, 'policy = "simple-lmk"', 'minfree = "1MiB"', 'min_adj = 900',
        `psi_stall = "${opts.stall}"`, `psi_window = "${opts.window}"`,
      ].join('\n'),
      ...(opts.privileged ? { wrap: (argv: string[]) => ['unshare', '-U', '-r', ...argv] } : {}),
    });
    const started = await reapd.waitForEvent('domain-started', 15_000);
    const us = (d: string): number => (parseDurationMs(d) ?? NaN) * 1000;
    assert.deepEqual(started.triggers, [`psi:${group.path}/memory.pressure some ${us(opts.stall)}/${us(opts.window)}`]);
    const script = `echo $$ > '${memcg.path}/cgroup.procs' && echo $$ > '${group.path}/cgroup.procs' && exec ${shellQuote([thrashBinary(), file])}`;
    thrasher = spawn('sh', ['-c', script], { stdio: 'ignore' });
    const kill = await reapd.waitForEvent('kill', 20_000);
    assert.equal(kill.pid, victim.pid);
    const decision = reapd.events('decision', 'psi').find((d) => (d.victims as unknown[]).length > 0);
    assert.equal((decision?.trigger as { source: string }).source, 'psi', 'the reclaim ran on the PSI event');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    const fallback = reapd.events('psi-window-fallback');
    if (opts.privileged) assert.equal(fallback.length, 0, 'a privileged opener gets the window it asked for');
    else if ((parseDurationMs(opts.window) ?? 0) % 2000 !== 0) assert.equal(fallback.length, 1, 'unprivileged: the 2 s fallback is logged');
  } finally {
    if (thrasher?.pid !== undefined && thrasher.exitCode === null) {
      const exited = new Promise((r) => thrasher?.once('exit', r));
      thrasher.kill('SIGKILL');
      await exited;
    }
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await group.remove();
    await memcg.remove();
    rmSync(fileDir, { recursive: true, force: true });
  }
}

test('PSI on a cgroup2 group, unprivileged: the 2 s window fallback, the event, a reclaim', { skip, timeout: 60_000 }, async () => {
  await psiRun({ privileged: false, stall: '50ms', window: '1s' });
});

test('PSI on a cgroup2 group, privileged (unshare -U -r): a 100 ms window, the event, a reclaim', { skip: firstReason(skip, needUnshareUser()), timeout: 60_000 }, async () => {
  await psiRun({ privileged: true, stall: '10ms', window: '100ms' });
});
