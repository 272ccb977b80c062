// cgroup v1 memcg notifications against the real kernel: a hog hits the limit of a memcg
// with oom_kill_disable=1 (the kernel never kills; the hog blocks under_oom), and the
// pressure_level "critical" and oom_control eventfds must both fire; rmdir then ends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { MemcgEventTrigger } from '../../../src/kernel/triggers/memcg-event.js';
import { TriggerError, type TriggerEnd } from '../../../src/kernel/triggers/types.js';
import type { TriggerEvent } from '../../../src/engine/ports.js';
import { memcgV1 } from '../../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

test('memcg v1: pressure_level critical and oom_control fire when a hog hits the limit; rmdir ends both', { skip, timeout: 15_000 }, async (t) => {
  const memcg = memcgV1({ limitMiB: 32, oomKillDisable: true });
  const poller = new FdPoller();
  const events: TriggerEvent[] = [];
  const ends: TriggerEnd[] = [];
  const common = { poller, memcgPath: memcg.path, onEnded: (e: TriggerEnd) => ends.push(e) };
  const critical = new MemcgEventTrigger({ ...common, event: { kind: 'pressure', level: 'critical' } });
  const oom = new MemcgEventTrigger({ ...common, event: { kind: 'oom' } });
  let hog: Hog | undefined;
  try {
    const seen = new Map<string, number>();
    const record = (e: TriggerEvent): void => {
      events.push(e);
      if (!seen.has(e.source)) seen.set(e.source, Date.now());
    };
    critical.start(record);
    oom.start(record);
    const spawnedMs = Date.now();
    hog = spawnHog({ mib: 64, cgroups: [memcg.path] });
    await waitFor(() => seen.has('vmpressure') && seen.has('oom-control'), 8000, 'both memcg events');
    const oomEvent = events.find((e) => e.source === 'oom-control');
    assert.match(oomEvent?.detail ?? '', /under_oom 1/);
    assert.equal(events.find((e) => e.source === 'vmpressure')?.level, 'critical');
    assert.match(memcg.read('memory.oom_control'), /oom_kill 0/, 'the kernel killed nothing');
    t.diagnostic(`vmpressure critical ${(seen.get('vmpressure') ?? 0) - spawnedMs} ms, oom_control ${(seen.get('oom-control') ?? 0) - spawnedMs} ms after spawning a 64 MiB hog into a 32 MiB memcg`);

    await hog.kill();
    hog = undefined;
    const before = events.length;
    await memcg.remove();
    await waitFor(() => ends.length === 2, 3000, 'both triggers to end after rmdir');
    assert.deepEqual(ends.map((e) => e.reason), ['group-removed', 'group-removed']);
    assert.equal(events.length, before, 'the rmdir signal is not reported as pressure');
    assert.equal(poller.size, 0);
  } finally {
    await hog?.kill();
    await critical.stop();
    await oom.stop();
    await poller.stop();
    await memcg.remove();
  }
});

test('memcg v1: registering on a directory that is not a memcg is a coded error', { skip: needRoot() }, async () => {
  const poller = new FdPoller();
  const trigger = new MemcgEventTrigger({ poller, memcgPath: '/tmp', event: { kind: 'oom' } });
  try {
    assert.throws(() => trigger.start(() => undefined), (e: unknown) => e instanceof TriggerError && e.code === 'TRIGGER_MEMCG_UNAVAILABLE');
    assert.equal(poller.size, 0);
  } finally {
    await poller.stop();
  }
});

test('memcg events wait on the shared poller without blocking the event loop', { skip, timeout: 10_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 32, oomKillDisable: true });
  const poller = new FdPoller();
  const trigger = new MemcgEventTrigger({ poller, memcgPath: memcg.path, event: { kind: 'pressure', level: 'low' } });
  try {
    trigger.start(() => undefined);
    // A blocked poll on the pool must leave timers running: 20 ticks of 5 ms come through.
    let ticks = 0;
    await withTimeout(new Promise<void>((resolve) => {
      const id = setInterval(() => {
        if (++ticks === 20) { clearInterval(id); resolve(); }
      }, 5);
    }), 3000, 'timer ticks');
    assert.equal(poller.active, true);
  } finally {
    await trigger.stop();
    await poller.stop();
    await memcg.remove();
  }
});
