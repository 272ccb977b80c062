// The adaptive poller woken early (issue 18 item 4): a wake source ends its sleep, the
// next check runs at once and the sleep is worked out anew; the wake never acts by
// itself. Against a source we fire by hand, then against a real PSI trigger on a cgroup2
// group stalled by a real thrasher (pressure-load.ts), with the sleep so long (60 s) that
// only the wake can bring the second check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { PsiTrigger } from '../../../src/kernel/triggers/psi-trigger.js';
import { ThresholdPoller, type Sleeper } from '../../../src/kernel/triggers/threshold-poller.js';
import type { TriggerSource } from '../../../src/kernel/triggers/types.js';
import type { TriggerEvent } from '../../../src/engine/ports.js';
import { waitFor, withTimeout } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroup2, needCgroupV1, needPsi, needRoot } from '../../helpers/skip.js';
import { pressureGroups, startThrasher } from './pressure-load.js';

/** Sleeps until woken or stopped, never by itself. */
const sleepUntilAborted: Sleeper = (_ms, signal) => new Promise((resolve) => {
  if (signal.aborted) resolve();
  else signal.addEventListener('abort', () => resolve(), { once: true });
});

class HandWake implements TriggerSource {
  readonly name = 'hand';
  started = false;
  stopped = false;
  private emit: ((e: TriggerEvent) => void) | undefined;
  start(emit: (e: TriggerEvent) => void): void {
    this.started = true;
    this.emit = emit;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  fire(): void {
    this.emit?.({ source: 'hand', level: 'some', atMs: 0 });
  }
}

test('a wake ends the sleep: the poller checks at once and never acts on the wake alone', async () => {
  const wake = new HandWake();
  const emitted: TriggerEvent[] = [];
  let checks = 0;
  const poller = new ThresholdPoller({
    check: async () => ({ act: ++checks >= 3, headroomKiB: checks >= 3 ? 0 : 10_000_000 }),
    sleep: sleepUntilAborted,
    wakeBy: wake,
  });
  poller.start((e) => emitted.push(e));
  try {
    assert.equal(wake.started, true, 'the wake source starts with the poller');
    await waitFor(() => poller.checks === 1 && poller.asleep, 5000, 'the first check');
    assert.equal(poller.lastSleepMs, 1000, 'plenty of headroom: the longest sleep');
    wake.fire();
    await waitFor(() => poller.checks === 2, 5000, 'the check the wake brought');
    assert.equal(emitted.length, 0, 'woken, but the threshold is not crossed: no event');
    await waitFor(() => poller.asleep, 5000, 'asleep again');
    wake.fire();
    await waitFor(() => poller.checks === 3, 5000, 'the next woken check');
    assert.equal(emitted.length, 1, 'the check found the threshold crossed: one event');
    assert.equal(poller.wakes, 2);
  } finally {
    await poller.stop();
  }
  assert.equal(wake.stopped, true, 'the wake source stops with the poller');
});

test('a wake source that cannot be armed leaves the poller polling, and says so', async () => {
  const logs: string[] = [];
  const broken: TriggerSource = { name: 'broken', start: () => { throw new Error('EINVAL'); }, stop: async () => undefined };
  let checks = 0;
  const poller = new ThresholdPoller({ check: async () => ({ act: false, headroomKiB: 0 }), sleep: async () => { checks++; await new Promise((r) => setImmediate(r)); }, wakeBy: broken, log: (_l, event) => logs.push(event) });
  poller.start(() => undefined);
  await waitFor(() => checks >= 3, 5000, 'polling goes on');
  await poller.stop();
  assert.ok(logs.includes('poll-wake-failed'));
});

const needLoad = firstReason(needRoot(), needPsi(), needCgroup2(), needCgroupV1('memory'), needCc());

test('a real PSI stall on a cgroup2 group wakes a poller that would otherwise sleep 60 s', { skip: needLoad, timeout: 20_000 }, async () => {
  const groups = pressureGroups();
  const fds = new FdPoller();
  const poller = new ThresholdPoller({
    check: async () => ({ act: false, headroomKiB: 1e12 }),
    constants: { maxSleepMs: 60_000 },
    wakeBy: new PsiTrigger({ poller: fds, path: join(groups.cg2.path, 'memory.pressure'), stallUs: 50_000, windowUs: 2_000_000 }),
  });
  const thrasher = { current: undefined as ReturnType<typeof startThrasher> | undefined };
  try {
    poller.start(() => undefined);
    await waitFor(() => poller.checks === 1 && poller.asleep, 5000, 'the first check');
    assert.equal(poller.lastSleepMs, 60_000);
    thrasher.current = startThrasher(groups);
    await withTimeout(thrasher.current.started, 5000, 'thrasher start');
    await waitFor(() => poller.checks >= 2, 12_000, 'a check brought by the PSI event');
    assert.ok(poller.wakes >= 1, 'the sleep was ended by the wake');
  } finally {
    await thrasher.current?.kill();
    await poller.stop();
    await fds.stop();
    await groups.remove();
  }
});
