// The watchdog against real processes: a hog blocks at the limit of a v1 memcg with
// oom_kill_disable=1 (the kernel never kills), so memory stays critical. A child process
// runs a Watchdog on that memcg. When the child's main loop is stuck in a busy loop, the
// watchdog thread must kill the hog by itself after ~2 s; when the loop is healthy it must
// never act (the daemon is alive and in charge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { memcgV1, type TestCgroup } from '../../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../../helpers/hog.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';
import { startJsonChild, type JsonChild } from './json-child.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const BLOCK_MS = 4500;

function startChild(memcg: string, mode: 'stall' | 'healthy'): JsonChild {
  return startJsonChild('watchdog-child', [memcg, mode, String(BLOCK_MS)]);
}

/** The memcg with a hog stuck at its limit (under_oom 1). */
async function hogAtLimit(memcg: TestCgroup): Promise<Hog> {
  const hog = spawnHog({ mib: 96, cgroups: [memcg.path] });
  await waitFor(() => /under_oom 1/.test(memcg.read('memory.oom_control')), 5000, 'the hog to block at the limit');
  return hog;
}

test('a stalled main loop under critical memory: the watchdog thread kills the hog itself', { skip, timeout: 20_000 }, async (t) => {
  const memcg = memcgV1({ limitMiB: 64, oomKillDisable: true });
  let hog: Hog | undefined;
  let child: JsonChild | undefined;
  try {
    child = startChild(memcg.path, 'stall');
    const ready = await child.next('ready', 8000);
    assert.ok((ready.sources as string[]).some((s) => s.includes('oom_control')), JSON.stringify(ready));
    hog = await hogAtLimit(memcg);
    const blockedAt = Date.now();
    child.proc.stdin.write('block\n');
    const exit = await withTimeout(hog.exited, BLOCK_MS + 3000, 'the watchdog to kill the hog');
    const killMs = Date.now() - blockedAt;
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(!child.json.some((j) => j.t === 'unblocked'), 'the hog died while the main loop was still stuck');
    // Silence is counted from the main loop's last answer to a ping (pings go out every
    // 250 ms while memory is critical), so the kill comes 1750–2250 ms after 'block'.
    assert.ok(killMs >= 2000 - 250, `not before the 2 s stall window (${killMs} ms)`);
    t.diagnostic(`hog killed ${killMs} ms after the main loop stalled (stallMs 2000)`);
    // The watchdog thread writes its lines itself, while the main thread is still stuck.
    const pid = hog.pid;
    await waitFor(() => child?.out.some((l) => l.includes('WATCHDOG: killed') && l.includes(`pid ${pid}`)) ?? false, 3000, 'the kill line');
    assert.ok(!child.json.some((j) => j.t === 'unblocked'), 'logged while the main loop was still stuck');
    assert.ok(child.out.some((l) => l.includes('WATCHDOG: the main event loop has not answered for')), child.out.join('\n'));
    // Once the loop runs again, the main thread hears about the action.
    const action = await child.next('action', BLOCK_MS + 3000);
    assert.deepEqual(action.pids, [hog.pid]);
    assert.deepEqual(action.killed, [true]);
    assert.ok(Number(action.silentMs) >= 1995, `silent ${String(action.silentMs)} ms`);
    assert.match(memcg.read('memory.oom_control'), /oom_kill 0/, 'the kernel killed nothing');
    child.proc.stdin.write('stop\n');
    assert.equal(await withTimeout(child.exited, 5000, 'child exit'), 0);
  } finally {
    await hog?.kill();
    child?.proc.kill('SIGKILL');
    await child?.exited;
    await memcg.remove();
  }
});

test('a healthy main loop under the same critical memory: the watchdog never acts', { skip, timeout: 20_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 64, oomKillDisable: true });
  let hog: Hog | undefined;
  let child: JsonChild | undefined;
  try {
    child = startChild(memcg.path, 'healthy');
    await child.next('ready', 8000);
    hog = await hogAtLimit(memcg);
    child.proc.stdin.write('block\n');
    const done = await child.next('done', BLOCK_MS + 3000);
    assert.equal(done.actions, 0);
    assert.equal(hog.child.exitCode, null, 'the hog is still alive');
    assert.equal(hog.child.signalCode, null);
    assert.ok(!child.out.some((l) => l.includes('WATCHDOG')), child.out.join('\n'));
    child.proc.stdin.write('stop\n');
    assert.equal(await withTimeout(child.exited, 5000, 'child exit'), 0);
  } finally {
    await hog?.kill();
    child?.proc.kill('SIGKILL');
    await child?.exited;
    await memcg.remove();
  }
});

test('one watchdog thread for two domains acts only in the critical one', { skip, timeout: 20_000 }, async () => {
  const calm = memcgV1({ limitMiB: 64, oomKillDisable: true });
  const full = memcgV1({ limitMiB: 64, oomKillDisable: true });
  let bystander: Hog | undefined;
  let hog: Hog | undefined;
  let child: JsonChild | undefined;
  try {
    child = startChild(`${calm.path},${full.path}`, 'stall');
    const ready = await child.next('ready', 8000);
    assert.equal((ready.sources as string[]).length, 4, 'two eventfds per v1 domain');
    bystander = spawnHog({ mib: 8, cgroups: [calm.path] });
    await withTimeout(bystander.ready, 5000, 'bystander');
    hog = await hogAtLimit(full);
    child.proc.stdin.write('block\n');
    const exit = await withTimeout(hog.exited, BLOCK_MS + 3000, 'the watchdog to kill the hog');
    assert.equal(exit.signal, 'SIGKILL');
    const action = await child.next('action', BLOCK_MS + 3000);
    assert.equal(action.domain, full.path);
    assert.deepEqual(action.pids, [hog.pid]);
    assert.equal(bystander.child.exitCode, null, 'the calm domain was left alone');
    assert.equal(bystander.child.signalCode, null);
    child.proc.stdin.write('stop\n');
    assert.equal(await withTimeout(child.exited, 5000, 'child exit'), 0);
  } finally {
    await hog?.kill();
    await bystander?.kill();
    child?.proc.kill('SIGKILL');
    await child?.exited;
    await full.remove();
    await calm.remove();
  }
});

test('process.exit() with a watchdog running does not hang (its thread sleeps in a blocking poll)', { skip, timeout: 15_000 }, async () => {
  const script = join(REPO_ROOT, 'dist', 'test', 'daemon', 'watchdog', 'watchdog-exit-child.js');
  const memcg = memcgV1({ limitMiB: 64 });
  try {
    const proc = spawn(process.execPath, [script, memcg.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await withTimeout(new Promise<number | null>((r) => proc.once('exit', (c) => r(c))), 10_000, `exit (output: ${out})`);
    assert.equal(code, 0);
    assert.match(out, /armed/);
  } finally {
    await memcg.remove();
  }
});
