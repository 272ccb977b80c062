// Issue 18 item 5: nothing under /proc/VICTIM is read between its SIGKILL and its exit
// (a kernel patch under review notes that reading a dying process's cmdline can hold up
// the teardown of its memory; kill/boost.ts). The daemon runs under strace (every thread,
// fds annotated with their paths) and really kills a hog growing into a v1 memcg; the
// trace between the pidfd_send_signal to the hog and the poll that sees it exit must hold
// no open or read of /proc/HOG/. The same check on a program that does read the victim's
// cmdline after SIGKILL must find that read: the check can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { needStrace, postSignalReads, straceArgv } from '../helpers/strace.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc(), needStrace());

test('the daemon reads nothing of a victim between its SIGKILL and its exit (strace on a real kill)', { skip, timeout: 120_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 96, oomKillDisable: true });
  const reapd = new Reapd();
  const trace = join(reapd.dir, 'strace.log');
  let daemon: number | undefined;
  let hog: Hog | undefined;
  try {
    reapd.start({
      // [kill] defaults: thaw, all CPUs and the real-time boost, all of which need the victim's threads and cgroup.
      config: ['[daemon]', 'socket = ""', 'self_protect = false', '[[domain]]', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "1MiB"', 'reclaim_timeout = "5s"'].join('\n'),
      wrap: (argv) => [...straceArgv(trace), ...argv],
    });
    await reapd.waitForEvent('started', 60_000);
    daemon = tracedChild(reapd.child?.pid ?? 0);
    await new Promise((r) => setTimeout(r, 1500)); // the domain's warm-up scan
    const victim = spawnHog({ mib: 192, stepMiB: 16, stepMs: 50, oomScoreAdj: 1000, cgroups: [memcg.path], name: 'reapd-noread-hog' });
    hog = victim;
    const kill = await reapd.waitForEvent('kill', 60_000, (l) => l.pid === victim.pid);
    assert.equal(kill.killed, true);
    await withTimeout(victim.exited, 10_000, 'hog exit');
    await new Promise((r) => setTimeout(r, 500)); // the daemon's poll sees the exit
    if (daemon !== undefined) stopDaemon(daemon);
    await reapd.stop();
    const found = postSignalReads(readFileSync(trace, 'utf8'), victim.pid);
    assert.ok(found.signal, 'the trace holds the SIGKILL to the hog');
    assert.ok(found.exited, 'the trace holds the poll that saw the hog exit');
    assert.deepEqual(found.reads, [], 'no read of /proc/HOG/ between its SIGKILL and its exit');
  } finally {
    // SIGTERM to strace would only detach it: stop the daemon itself (our child's child).
    if (daemon !== undefined) stopDaemon(daemon);
    await reapd.cleanup();
    await hog?.kill();
    await memcg.remove();
  }
});

/** The process strace runs (its one child). */
function tracedChild(stracePid: number): number | undefined {
  const kids = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids[0];
}

function stopDaemon(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

test('the check finds a read of the victim after its SIGKILL (a program that reads its cmdline then)', { skip, timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-strace-'));
  const trace = join(dir, 'strace.log');
  const sys = (file: string): string => JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'kernel', 'sys', file));
  // Its own child, signalled through a pidfd, then its cmdline read, then the pidfd polled until it exits.
  const script = [
    `import { spawn } from 'node:child_process'; import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';`,
    `import { pidfdOpen, pidfdSendSignal } from ${sys('process.js')}; import { PollSet, poll, POLLIN } from ${sys('io.js')};`,
    `const c = spawn('sleep', ['30']); await new Promise((r) => c.once('spawn', r));`,
    `const fd = pidfdOpen(c.pid); pidfdSendSignal(fd, 9); readFileSync('/proc/' + c.pid + '/cmdline');`,
    `poll(new PollSet([{ fd, events: POLLIN }]), 5000); console.log(c.pid);`,
  ].join('\n');
  const child = spawn(straceArgv(trace)[0] as string, [...straceArgv(trace).slice(1), process.execPath, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await withTimeout(new Promise((r) => child.once('exit', r)), 20_000, 'the bad program');
  const pid = Number(out.trim());
  const log = readFileSync(trace, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const found = postSignalReads(log, pid);
  assert.ok(found.signal && found.exited, 'signal and exit found');
  assert.ok(found.reads.some((l) => l.includes(`/proc/${pid}/cmdline`)), `the cmdline read is found: ${found.reads.join('\n')}`);
});
