// The kill core against a fake kernel: identity checks, the order of signals and reaps,
// each process_mrelease errno, the boost, shared address spaces, dry runs, pidfd lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KillCore } from '../../../src/kernel/kill/kill-thread-core.js';
import { DEFAULT_CORE_CONFIG, type CoreConfig, type FromCore, type Update } from '../../../src/kernel/kill/types.js';
import { PF_KTHREAD } from '../../../src/kernel/parse/stat.js';
import { FakeKernel } from './fake-sys.js';

function core(k: FakeKernel, over: Partial<CoreConfig> = {}, askProtect?: (pids: number[]) => Promise<number[]>) {
  const messages: FromCore[] = [];
  const waiters: ((u: Update) => void)[] = [];
  const config: CoreConfig = { ...DEFAULT_CORE_CONFIG, reapRetry: { attempts: 10, backoffMs: 1 }, askProtect: false, ...over };
  let t = 0;
  const c = new KillCore(k.sys(), config, {
    now: () => ++t,
    emit: (m) => {
      messages.push(m);
      if (m.t === 'update') waiters.splice(0).forEach((w) => w(m.update));
    },
    ...(askProtect ? { askProtect } : {}),
  });
  const nextUpdate = (): Promise<Update> => new Promise((resolve) => waiters.push(resolve));
  return { c, messages, nextUpdate };
}

/** Every process_mrelease went to a pidfd that had been sent SIGKILL before. */
function assertMreleaseOnlyAfterKill(k: FakeKernel): void {
  const killedFds = new Set<number>();
  for (const call of k.calls) {
    if (call.name === 'pidfd_send_signal' && call.args[1] === 9) killedFds.add(call.args[0] as number);
    if (call.name === 'process_mrelease') assert.ok(killedFds.has(call.args[0] as number), `mrelease on fd ${call.args[0]} before SIGKILL`);
  }
}

/** No /proc read of a process once its pidfd was sent SIGKILL (issue 18 item 5: such reads can hold up its teardown). */
function assertNoReadAfterKill(k: FakeKernel): void {
  const killed = new Set<number>();
  for (const call of k.calls) {
    if (call.name === 'pidfd_send_signal' && call.args[1] === 9) killed.add(k.pidfdPid.get(call.args[0] as number) ?? -1);
    if (call.name.startsWith('read /proc/')) assert.ok(!killed.has(call.args[0] as number), `${call.name} of ${call.args[0]} after its SIGKILL`);
  }
}

test('a ranked process with the same starttime is killed and reaped through its pidfd', () => {
  const k = new FakeKernel();
  k.add({ pid: 10, startTime: 500 });
  const { c } = core(k);
  const { outcomes } = c.kill([k.victim(10)], false);
  assert.equal(outcomes[0]?.killed, true);
  assert.equal(outcomes[0]?.reaped, true);
  assert.equal(typeof outcomes[0]?.reapMs, 'number');
  assert.equal(k.procs.get(10)?.killed, true);
  assert.deepEqual(k.callsOf('pidfd_open').map((c) => c.args[0]), [10]);
  assertMreleaseOnlyAfterKill(k);
});

test('identity: a different starttime, a non-leader pid, a reuse during the open, or a gone pid are never signalled', () => {
  const k = new FakeKernel();
  k.add({ pid: 10, startTime: 501 }); // reused: the ranking saw starttime 500
  k.add({ pid: 11, startTime: 500, notLeader: true });
  k.add({ pid: 12, startTime: 500 });
  k.afterOpen = (pid) => {
    if (pid === 12) k.procs.set(12, { pid: 12, startTime: 777 }); // exits and is reused while we open
  };
  const { c } = core(k);
  const victims = [{ ...k.victim(10), startTime: 500 }, k.victim(11), k.victim(12), k.victim(13)];
  const { outcomes } = c.kill(victims, false);
  assert.deepEqual(outcomes.map((o) => o.error), ['identity-changed', 'identity-changed', 'identity-changed', 'gone']);
  assert.ok(outcomes.every((o) => !o.killed));
  assert.equal(k.callsOf('pidfd_send_signal').length, 0);
  assert.equal(k.callsOf('process_mrelease').length, 0);
  // Pid 10 failed before any pidfd was opened; 12's pidfd was closed again.
  assert.deepEqual(k.callsOf('pidfd_open').map((c) => c.args[0]), [11, 12]);
  assert.equal(k.openFds, 0);
});

test('pid 1, the daemon, kernel threads and oom_score_adj -1000 are refused even if a policy lists them', () => {
  const k = new FakeKernel(4242);
  k.add({ pid: 1, startTime: 1 });
  k.add({ pid: 4242, startTime: 1 });
  k.add({ pid: 20, startTime: 1, flags: PF_KTHREAD });
  k.add({ pid: 21, startTime: 1, adj: -1000 });
  const { c } = core(k);
  const { outcomes } = c.kill([1, 4242, 20, 21].map((p) => k.victim(p)), false);
  assert.deepEqual(outcomes.map((o) => o.error), ['protected', 'protected', 'protected', 'protected']);
  assert.equal(k.callsOf('pidfd_send_signal').length, 0);
  assert.equal(k.openFds, 0);
});

test('signals go out in reverse reap order; reaps run largest resident anon first; results keep policy order', () => {
  const k = new FakeKernel();
  for (const pid of [30, 31, 32]) k.add({ pid, startTime: 9 });
  const { c } = core(k);
  const victims = [k.victim(30, 100), k.victim(31, 900), k.victim(32, 500)];
  const { outcomes } = c.kill(victims, false);
  const pidOf = (fd: number): number | undefined => victims[outcomes.findIndex((o) => o.fd === fd)]?.pid;
  const signalled = k.callsOf('pidfd_send_signal').map((x) => pidOf(x.args[0] as number));
  const reaped = k.callsOf('process_mrelease').map((x) => pidOf(x.args[0] as number));
  assert.deepEqual(reaped, [31, 32, 30]);
  assert.deepEqual(signalled, [30, 32, 31]);
  // The largest victim's mrelease is the very next syscall after its signal.
  const i = k.calls.findIndex((x) => x.name === 'pidfd_send_signal' && pidOf(x.args[0] as number) === 31);
  assert.equal(k.calls[i + 1]?.name, 'process_mrelease');
  assert.deepEqual(outcomes.map((o) => o.killed), [true, true, true]);
  assertMreleaseOnlyAfterKill(k);
});

test('ESRCH from process_mrelease: done, not reaped, reapMs recorded', () => {
  const k = new FakeKernel();
  k.add({ pid: 40, startTime: 1 });
  k.mreleaseErrors = ['ESRCH'];
  const { c } = core(k);
  const [o] = c.kill([k.victim(40)], false).outcomes;
  assert.equal(o?.killed, true);
  assert.equal(o?.reaped, false);
  assert.equal(o?.pending, false);
  assert.notEqual(o?.reapMs, null);
  assert.equal(o?.error, undefined);
});

test('EAGAIN and EINTR are retried with backoff until the call succeeds', async () => {
  const k = new FakeKernel();
  k.add({ pid: 41, startTime: 1 });
  k.mreleaseErrors = ['EAGAIN', 'EINTR', 'EAGAIN'];
  const { c, nextUpdate } = core(k);
  const updated = nextUpdate();
  const [o] = c.kill([k.victim(41)], false).outcomes;
  assert.equal(o?.pending, true);
  assert.equal(o?.reaped, false);
  const u = await updated;
  assert.equal(u.key, o?.key);
  assert.equal(u.settled, true);
  assert.equal(u.reaped, true);
  assert.equal(k.callsOf('process_mrelease').length, 4);
});

test('EAGAIN forever: bounded by reapRetry.attempts, then an error', async () => {
  const k = new FakeKernel();
  k.add({ pid: 42, startTime: 1 });
  k.mreleaseErrors = Array<string>(50).fill('EAGAIN');
  const { c, nextUpdate } = core(k, { reapRetry: { attempts: 4, backoffMs: 1 } });
  const updated = nextUpdate();
  c.kill([k.victim(42)], false);
  const u = await updated;
  assert.equal(u.reaped, false);
  assert.equal(u.error, 'reap-failed: EAGAIN');
  assert.equal(k.callsOf('process_mrelease').length, 4);
});

test('ENOSYS: no reaping for this victim or any later one; the kill stands', () => {
  const k = new FakeKernel();
  k.add({ pid: 43, startTime: 1 });
  k.add({ pid: 44, startTime: 1 });
  k.mreleaseErrors = ['ENOSYS'];
  const { c } = core(k);
  const first = c.kill([k.victim(43)], false).outcomes[0];
  const second = c.kill([k.victim(44)], false).outcomes[0];
  assert.equal(first?.killed, true);
  assert.equal(first?.reapMs, null);
  assert.match(first?.notes.join() ?? '', /ENOSYS/);
  assert.equal(second?.killed, true);
  assert.equal(k.callsOf('process_mrelease').length, 1);
});

test('EINVAL from a shared address space: killable sharers are killed through pidfds, then the victim is reaped', async () => {
  const k = new FakeKernel();
  k.add({ pid: 50, startTime: 1, mm: 7 });
  k.add({ pid: 51, startTime: 2, mm: 7 });
  k.add({ pid: 52, startTime: 3, mm: 8 });
  const { c, nextUpdate } = core(k);
  const updated = nextUpdate();
  const [o] = c.kill([k.victim(50)], false).outcomes;
  assert.equal(o?.pending, true);
  const u = await updated;
  assert.equal(u.reaped, true);
  assert.ok(u.notes.includes('shared-mm: killed 51'));
  assert.equal(k.procs.get(51)?.killed, true);
  assert.equal(k.procs.get(52)?.killed, undefined);
  assertMreleaseOnlyAfterKill(k);
  assertNoReadAfterKill(k); // the sharer's threads and freezer too: read before its own signal
});

test('shared address space with an unkillable or protected process: nobody else is killed, no reap', async () => {
  for (const [sharer, protect] of [[{ adj: -1000 }, undefined], [{}, [61]]] as const) {
    const k = new FakeKernel();
    k.add({ pid: 60, startTime: 1, mm: 7 });
    k.add({ pid: 61, startTime: 2, mm: 7, ...sharer });
    k.add({ pid: 62, startTime: 3, mm: 7 });
    const ask = protect ? (pids: number[]) => Promise.resolve(pids.filter((p) => (protect as readonly number[]).includes(p))) : undefined;
    const { c, nextUpdate } = core(k, {}, ask);
    const updated = nextUpdate();
    c.kill([k.victim(60)], false);
    const u = await updated;
    assert.equal(u.error, 'shared-mm-unkillable');
    assert.equal(u.reaped, false);
    assert.equal(k.procs.get(61)?.killed, undefined);
    assert.equal(k.procs.get(62)?.killed, undefined);
  }
});

test("sharedMm 'skip' records the sharers and kills none of them", async () => {
  const k = new FakeKernel();
  k.add({ pid: 70, startTime: 1, mm: 7 });
  k.add({ pid: 71, startTime: 2, mm: 7 });
  const { c, nextUpdate } = core(k, { sharedMm: 'skip' });
  const updated = nextUpdate();
  c.kill([k.victim(70)], false);
  const u = await updated;
  assert.equal(u.error, 'shared-mm');
  assert.equal(k.procs.get(71)?.killed, undefined);
});

test('a reap delay applies to a running victim but never to a frozen one (seed 003)', async () => {
  const k = new FakeKernel();
  k.add({ pid: 80, startTime: 1 });
  k.add({ pid: 81, startTime: 1, freezer: '/frz' });
  k.files.set('/fz/frz/freezer.state', 'FROZEN\n');
  const { c, nextUpdate } = core(k, { reapDelayMs: 5 });
  const updated = nextUpdate();
  const { outcomes } = c.kill([k.victim(80, 10), k.victim(81, 10)], false);
  assert.equal(outcomes[0]?.pending, true);
  assert.equal(outcomes[0]?.reaped, false);
  assert.equal(outcomes[1]?.pending, false);
  assert.equal(outcomes[1]?.reaped, true);
  const u = await updated;
  assert.equal(u.key, outcomes[0]?.key);
  assert.equal(u.reaped, true);
  assertNoReadAfterKill(k);
});

test('boost: a frozen v1 victim is moved into the thawed sibling after its reap; every thread gets all CPUs and SCHED_RR 1', () => {
  const k = new FakeKernel();
  k.add({ pid: 90, startTime: 1, freezer: '/apps/frz', tids: [90, 91, 92] });
  k.files.set('/fz/apps/frz/freezer.state', 'FROZEN\n');
  const { c } = core(k);
  const [o] = c.kill([k.victim(90)], false).outcomes;
  assert.deepEqual(k.writes.filter((w) => w.path.endsWith('cgroup.procs')), [{ path: '/fz/reapd-thawed/cgroup.procs', data: '90' }]);
  assert.ok(o?.notes.some((n) => n.startsWith('thawed: moved from /apps/frz')));
  const mrelease = k.calls.findIndex((x) => x.name === 'process_mrelease');
  const firstSched = k.calls.findIndex((x) => x.name.startsWith('sched_'));
  assert.ok(mrelease < firstSched, 'reap before boost');
  assert.deepEqual(k.callsOf('sched_setaffinity').map((x) => x.args[0]), [90, 91, 92]);
  assert.deepEqual(k.callsOf('sched_setscheduler').map((x) => x.args), [[90, 2, 1], [91, 2, 1], [92, 2, 1]]);
  // Its threads and freezer cgroup were read before the signal, nothing of it after.
  assert.ok(k.calls.some((x) => x.name === 'read /proc/PID/task' && x.args[0] === 90));
  assertNoReadAfterKill(k);
});

test('boost steps are optional and their failures are notes', () => {
  const k = new FakeKernel();
  k.add({ pid: 95, startTime: 1, freezer: '/frz' });
  k.add({ pid: 96, startTime: 1 });
  k.files.set('/fz/frz/freezer.state', 'FROZEN\n');
  const off = core(k, { thaw: false, allCpus: false, rtBoost: false }).c.kill([k.victim(95)], false).outcomes[0];
  assert.equal(k.writes.length, 0);
  assert.equal(k.calls.filter((x) => x.name.startsWith('sched_')).length, 0);
  assert.equal(off?.killed, true);
  k.schedError = 'EPERM';
  const failed = core(k).c.kill([k.victim(96)], false).outcomes[0];
  assert.equal(failed?.killed, true);
  assert.ok(failed?.notes.includes('rt-boost-failed: EPERM'));
});

test('dry run: identity checked, nothing signalled, every pidfd closed', () => {
  const k = new FakeKernel();
  k.add({ pid: 100, startTime: 1 });
  const { c } = core(k);
  const [o] = c.kill([k.victim(100)], true).outcomes;
  assert.equal(o?.killed, false);
  assert.equal(o?.error, undefined);
  assert.equal(k.callsOf('pidfd_send_signal').length, 0);
  assert.equal(k.openFds, 0);
});

test('pidfds stay open until released, and until pending reap work settles', async () => {
  const k = new FakeKernel();
  k.add({ pid: 110, startTime: 1 });
  k.add({ pid: 111, startTime: 1 });
  k.mreleaseErrors = ['EAGAIN'];
  const { c, nextUpdate } = core(k);
  const updated = nextUpdate();
  const { outcomes } = c.kill([k.victim(110, 10), k.victim(111, 5)], false);
  assert.equal(k.openFds, 2);
  c.release(outcomes.map((o) => o.key as number));
  assert.equal(k.openFds, 1, 'the victim still being reaped keeps its pidfd');
  await updated;
  assert.equal(k.openFds, 0);
});

test('scanSharersBeforeKill: a victim that exits first (ESRCH) does not hide its sharers; the memory is reaped through a sharer', async () => {
  const k = new FakeKernel();
  k.add({ pid: 120, startTime: 1, mm: 9 });
  k.add({ pid: 121, startTime: 2, mm: 9 });
  k.mreleaseErrors = ['ESRCH'];
  const { c, nextUpdate } = core(k, { scanSharersBeforeKill: true });
  const updated = nextUpdate();
  const [o] = c.kill([k.victim(120)], false).outcomes;
  assert.equal(o?.pending, true);
  k.procs.delete(120); // it exited: its pidfd now says ESRCH
  const u = await updated;
  assert.ok(u.notes.includes('shared-mm: killed 121'));
  assert.equal(u.reaped, true);
  assert.equal(k.procs.get(121)?.reaped, true, 'reaped through the pidfd of the sharer');
  assertMreleaseOnlyAfterKill(k);
});
