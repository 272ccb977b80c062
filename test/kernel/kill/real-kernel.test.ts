// The kill path on real processes: process_mrelease only after SIGKILL (a spy around
// the real system-call layer, over a run with identity failures and a success), a
// shared address space, dry runs, and a main thread that stalls after asking for a kill.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelKiller } from '../../../src/kernel/kill/main-thread-killer.js';
import { threadNowMs } from '../../../src/kernel/clock.js';
import { freezerV1, memcgV1 } from '../../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout } from '../../helpers/hog.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';
import { mreleaseOnlyAfterSigkill, spySys, stateOf, victimOf } from './helpers.js';

const skip = firstReason(needRoot(), needCc());

test('process_mrelease is only ever called on a pidfd that was sent SIGKILL', { skip, timeout: 60_000 }, async (t) => {
  const { sys, calls } = spySys();
  const killer = new KernelKiller({ useWorker: false, sys });
  t.after(() => killer.close());
  const target = spawnHog({ mib: 32 });
  const bystander = spawnHog({ mib: 8 });
  t.after(() => Promise.all([target.kill(), bystander.kill()]));
  await withTimeout(Promise.all([target.ready, bystander.ready]), 10_000, 'hogs');
  const stale = victimOf(bystander.pid, 8 * 1024, 12345); // ranked with another starttime
  const results = await killer.kill([stale, victimOf(target.pid, 32 * 1024), victimOf(0x3ffffff0, 1, 1)], { dryRun: false });
  assert.deepEqual(results.map((r) => [r.killed, r.error]), [[false, 'identity-changed'], [true, undefined], [false, 'gone']]);
  await killer.waitForExit(results.filter((r) => r.killed), 5000);
  assert.ok(mreleaseOnlyAfterSigkill(calls), JSON.stringify(calls));
  assert.ok(calls.some((c) => c.name === 'process_mrelease' && c.pid === target.pid));
  assert.ok(!calls.some((c) => c.name === 'pidfd_send_signal' && c.pid === bystander.pid));
  assert.equal(stateOf(bystander.pid), 'S', 'the bystander is untouched');
  // Every pidfd the killer opened was closed again.
  const opened = calls.filter((c) => c.name === 'pidfd_open').length;
  assert.equal(calls.filter((c) => c.name === 'close').length, opened);
});

test('a stalled main thread does not delay a kill it already asked for', { skip, timeout: 60_000 }, async (t) => {
  const killer = new KernelKiller();
  t.after(() => killer.close());
  await killer.ready();
  const hog = spawnHog({ mib: 16 });
  t.after(() => hog.kill());
  await withTimeout(hog.ready, 10_000, 'hog');
  const pending = killer.kill([victimOf(hog.pid, 16 * 1024)], { dryRun: false });
  // Busy main thread (a GC pause, a slow client): no event-loop turn until it ends.
  const start = threadNowMs();
  let diedAfterMs: number | undefined;
  while (threadNowMs() - start < 3000) {
    const state = stateOf(hog.pid);
    if (state === undefined || state === 'Z') {
      diedAfterMs = threadNowMs() - start;
      break;
    }
  }
  assert.notEqual(diedAfterMs, undefined, 'the victim was still alive after 3 s of main-thread stall');
  const [result] = await pending;
  assert.ok(result?.killed);
  t.diagnostic(`victim dead ${diedAfterMs?.toFixed(2)} ms into the stall; hand-off ${killer.lastBatch?.handoffMs} ms, decision to SIGKILL ${killer.lastBatch?.decisionToSignalMs[0]} ms`);
  const [exitMs] = await killer.waitForExit([result], 5000);
  assert.notEqual(exitMs, null);
});

test('dry run: the victim is checked and left alive', { skip, timeout: 30_000 }, async (t) => {
  const killer = new KernelKiller();
  t.after(() => killer.close());
  const hog = spawnHog({ mib: 8 });
  t.after(() => hog.kill());
  await withTimeout(hog.ready, 10_000, 'hog');
  const [r] = await killer.kill([victimOf(hog.pid, 8 * 1024)], { dryRun: true });
  assert.equal(r?.killed, false);
  assert.equal(r?.error, undefined);
  assert.deepEqual(r?.notes, ['dry-run: identity confirmed, not killed']);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(stateOf(hog.pid), 'S');
});

function sharerBinary(): string {
  const out = join(tmpdir(), `reapd-sharer-${process.pid}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, join(REPO_ROOT, 'test', 'kernel', 'kill', 'sharer.c')]);
  return out;
}

interface SharerScene {
  victimPid: number;
  sharerPid: number;
  memcg: ReturnType<typeof memcgV1>;
}

/** The sharer program in its own memcg (and optionally a freezer); cleaned up by t.after. */
async function sharerScene(t: TestContext, mib: number, freezer?: ReturnType<typeof freezerV1>): Promise<SharerScene> {
  const memcg = memcgV1();
  const groups = [memcg.path, ...(freezer ? [freezer.path] : [])].map((g) => `echo $$ > ${g}/cgroup.procs`).join(' && ');
  const child = spawn('sh', ['-c', `${groups} && exec ${sharerBinary()} ${mib}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let sharerPid = 0;
  t.after(async () => {
    if (freezer) freezer.write('freezer.state', 'THAWED');
    if (sharerPid && stateOf(sharerPid) !== undefined) process.kill(sharerPid, 'SIGKILL'); // our own clone child
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    // The clone child is reparented to init, which reaps it.
    await waitFor(() => sharerPid === 0 || stateOf(sharerPid) === undefined, 5000, 'sharer reaped');
    await freezer?.remove();
    await memcg.remove();
  });
  const line = await withTimeout(
    new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString()))),
    10_000,
    'sharer ready',
  );
  sharerPid = Number(/ready (\d+)/.exec(line)?.[1]);
  assert.ok(sharerPid > 0, line);
  return { victimPid: child.pid as number, sharerPid, memcg };
}

const usage = (scene: SharerScene): number => Number(scene.memcg.read('memory.usage_in_bytes'));

test(
  'shared address space, EINVAL path (frozen, so the victim cannot exit first): the sharer is found with kcmp, killed, thawed, and the memory reaped',
  { skip: firstReason(skip, needCgroupV1('memory'), needCgroupV1('freezer')), timeout: 60_000 },
  async (t) => {
    const freezer = freezerV1();
    const scene = await sharerScene(t, 64, freezer);
    freezer.write('freezer.state', 'FROZEN');
    await waitFor(() => freezer.read('freezer.state').trim() === 'FROZEN', 5000, 'frozen');
    const thawCgroup = `reapd-test-thawed-sharer-${process.pid}`;
    t.after(() => {
      if (existsSync(`/sys/fs/cgroup/freezer/${thawCgroup}`)) rmdirSync(`/sys/fs/cgroup/freezer/${thawCgroup}`);
    });
    const killer = new KernelKiller({ thawCgroup });
    t.after(() => killer.close());
    const [r] = await killer.kill([victimOf(scene.victimPid, 64 * 1024)], { dryRun: false });
    assert.ok(r?.killed);
    const [exitMs] = await killer.waitForExit([r], 5000);
    assert.ok(r.notes.includes(`shared-mm: killed ${scene.sharerPid}`), r.notes.join('; '));
    assert.equal(r.reaped, true, r.notes.join('; '));
    assert.equal(r.error, undefined);
    assert.notEqual(exitMs, null);
    await waitFor(() => ['Z', undefined].includes(stateOf(scene.sharerPid)), 5000, 'sharer dead (thawed by moving)');
    assert.ok(usage(scene) < (64 * 1024 * 1024) / 10);
  },
);

test(
  'shared address space, scanSharersBeforeKill: sharers found before the kill are killed even when the victim exits before process_mrelease',
  { skip: firstReason(skip, needCgroupV1('memory')), timeout: 60_000 },
  async (t) => {
    const scene = await sharerScene(t, 64);
    const killer = new KernelKiller({ scanSharersBeforeKill: true });
    t.after(() => killer.close());
    const [r] = await killer.kill([victimOf(scene.victimPid, 64 * 1024)], { dryRun: false });
    assert.ok(r?.killed);
    await killer.waitForExit([r], 5000);
    assert.ok(r.notes.includes(`shared-mm: killed ${scene.sharerPid}`), r.notes.join('; '));
    await waitFor(() => ['Z', undefined].includes(stateOf(scene.sharerPid)), 5000, 'sharer dead');
    await waitFor(() => usage(scene) < (64 * 1024 * 1024) / 10, 5000, 'memory released');
  },
);
