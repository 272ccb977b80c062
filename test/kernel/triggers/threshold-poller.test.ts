import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptiveSleepMs, EARLYOOM_POLL_CONSTANTS, FLOOR_SLEEP_MS, ThresholdPoller, type Sleeper, type ThresholdCheck } from '../../../src/kernel/triggers/threshold-poller.js';
import { availableHeadroom, memcgHeadroom, minfreeHeadroom } from '../../../src/policy/headroom.js';
import type { TriggerEvent } from '../../../src/engine/ports.js';
import type { MemoryState } from '../../../src/model/snapshot.js';
import { waitFor } from '../../helpers/hog.js';

const MiB = 1024;

/** A sleeper that records each requested interval and returns at once. */
function recordingSleeper(): { sleeps: number[]; sleep: Sleeper } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => { sleeps.push(ms); await new Promise((r) => setImmediate(r)); } };
}

test('adaptiveSleepMs: headroom / 6000 KiB per ms, clamped to 100…1000 ms (earlyoom)', () => {
  assert.equal(adaptiveSleepMs({ headroomKiB: 3000 * MiB }), Math.round((3000 * MiB) / 6000));
  assert.equal(adaptiveSleepMs({ headroomKiB: 24_000 * MiB }), 1000);
  assert.equal(adaptiveSleepMs({ headroomKiB: 100 * MiB }), 100);
  assert.equal(adaptiveSleepMs({ headroomKiB: -5 }), 100);
  // Swap headroom counts at the swap fill rate (800 KiB/ms).
  assert.equal(adaptiveSleepMs({ headroomKiB: 1200 * MiB, swapHeadroomKiB: 200 * MiB }), Math.round((1200 * MiB) / 6000 + (200 * MiB) / 800));
  // A configuration can never go below the 10 ms floor.
  assert.equal(adaptiveSleepMs({ headroomKiB: 0 }, { ...EARLYOOM_POLL_CONSTANTS, minSleepMs: 1 }), FLOOR_SLEEP_MS);
});

test('ThresholdPoller sleeps less as headroom shrinks and emits while the threshold is crossed', async () => {
  const script: ThresholdCheck[] = [
    { act: false, headroomKiB: 20_000 * MiB },
    { act: false, headroomKiB: 3_000 * MiB },
    { act: false, headroomKiB: 900 * MiB },
    { act: true, headroomKiB: 0, level: 'minfree-1', detail: 'other_free 10 MiB' },
    { act: false, headroomKiB: 6_000 * MiB },
  ];
  let i = 0;
  const { sleeps, sleep } = recordingSleeper();
  const events: TriggerEvent[] = [];
  const poller = new ThresholdPoller({
    name: 'lmk-table',
    check: async () => script[Math.min(i++, script.length - 1)] as ThresholdCheck,
    sleep,
    nowMs: () => 42,
  });
  poller.start((e) => events.push(e));
  await waitFor(() => sleeps.length >= script.length, 2000, 'five checks');
  await poller.stop();
  assert.deepEqual(sleeps.slice(0, 5), [1000, Math.round((3000 * MiB) / 6000), Math.round((900 * MiB) / 6000), 100, 1000]);
  assert.deepEqual(events, [{ source: 'threshold', level: 'minfree-1', atMs: 42, detail: 'other_free 10 MiB' }]);
});

test('the daemon\'s 10 ms floor: near the threshold it checks every 10 ms, but once crossed it emits again at most every 100 ms', async () => {
  const script: ThresholdCheck[] = [
    { act: false, headroomKiB: 30 * MiB },
    { act: true, headroomKiB: 0 },
    { act: true, headroomKiB: 0 },
    { act: false, headroomKiB: 120 * MiB },
  ];
  let i = 0;
  const { sleeps, sleep } = recordingSleeper();
  const events: TriggerEvent[] = [];
  const poller = new ThresholdPoller({ check: async () => script[Math.min(i++, script.length - 1)] as ThresholdCheck, sleep, constants: { minSleepMs: 10 } });
  poller.start((e) => events.push(e));
  await waitFor(() => sleeps.length >= script.length, 2000, 'four checks');
  await poller.stop();
  // 30 MiB / 6000 KiB per ms = 5 ms: the 10 ms floor; crossed: 100 ms (each event costs a scan); 120 MiB: 20 ms.
  assert.deepEqual(sleeps.slice(0, 4), [10, 100, 100, 20]);
  assert.equal(events.length, 2);
});

test('ThresholdPoller: stop() interrupts a sleep; a failing check is logged once and retried at the max interval', async () => {
  const logs: string[] = [];
  const sleeps: number[] = [];
  let aborted = false;
  const poller = new ThresholdPoller({
    check: async () => { throw new Error('ENOENT'); },
    log: (_l, event) => logs.push(event),
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return new Promise((resolve) => signal.addEventListener('abort', () => { aborted = true; resolve(); }));
    },
  });
  poller.start(() => undefined);
  await waitFor(() => sleeps.length === 1, 2000, 'first sleep');
  await poller.stop();
  assert.equal(aborted, true);
  assert.deepEqual(sleeps, [1000]);
  assert.deepEqual(logs, ['threshold-check-failed']);
});

test('ThresholdPoller ends when the check says the domain is gone', async () => {
  const ends: string[] = [];
  const { sleeps, sleep } = recordingSleeper();
  const poller = new ThresholdPoller({
    check: async () => ({ act: false, headroomKiB: 0, ended: 'memcg removed' }),
    sleep,
    onEnded: (e) => ends.push(e.message),
  });
  poller.start(() => undefined);
  await waitFor(() => ends.length === 1, 2000, 'end');
  await poller.stop();
  assert.equal(sleeps.length, 0);
  assert.match(ends[0] ?? '', /memcg removed/);
});

const memory: MemoryState = {
  totalKiB: 8 * 1024 * MiB, freeKiB: 300 * MiB, availableKiB: 1000 * MiB, cachedKiB: 500 * MiB, buffersKiB: 20 * MiB,
  shmemKiB: 50 * MiB, unevictableKiB: 10 * MiB, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 60 * MiB,
};

test('headroom helpers', () => {
  // earlyoom: available above 10% of total.
  assert.deepEqual(availableHeadroom(memory, 10, 10), { headroomKiB: 1000 * MiB - 0.1 * 8 * 1024 * MiB });
  assert.deepEqual(availableHeadroom({ ...memory, swapTotalKiB: 1000, swapFreeKiB: 500 }, 10, 10).swapHeadroomKiB, 400);
  // memcg: limit − usage − margin, never more than the machine's available memory.
  assert.equal(memcgHeadroom({ memory, cgroup: { path: '/x', usageKiB: 90 * MiB, limitKiB: 100 * MiB } }, MiB).headroomKiB, 9 * MiB);
  assert.equal(memcgHeadroom({ memory, cgroup: { path: '/x', usageKiB: 0, limitKiB: null } }, 0).headroomKiB, 1000 * MiB);
  // lowmemorykiller: other_file = 500+20-50-10 = 460 MiB, other_free = 240 MiB; highest minfree 64 MiB.
  assert.equal(minfreeHeadroom(memory, [16 * MiB, 64 * MiB]).headroomKiB, 460 * MiB - 64 * MiB);
});
