// memory.events of a cgroup2 memory group: its parser, which change means what, and the
// FdPoller path kernfs files need (readiness as POLLPRI|POLLERR until re-read). The
// trigger itself on a real memory.events runs in the VM tier (test/vm/cgroup2-domain):
// this project's hosts have no cgroup2 memory controller. Here the same kernfs notify is
// exercised on cgroup.events ("populated"), which every cgroup2 group has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMemoryEvents } from '../../../src/kernel/parse/memcg.js';
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { MemoryEventsTrigger, memoryEventsLevel } from '../../../src/kernel/triggers/memory-events.js';
import { TriggerError } from '../../../src/kernel/triggers/types.js';
import { POLLPRI } from '../../../src/kernel/sys/io.js';
import { cgroup2 } from '../../helpers/cgroup.js';
import { startChild, reapChild } from '../../helpers/children.js';
import { waitFor } from '../../helpers/hog.js';
import { firstReason, needCgroup2, needRoot } from '../../helpers/skip.js';

// Read in the VM tier from a group over memory.high=20M (Debian 6.12.118 cloud).
const REAL = 'low 0\nhigh 1\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n';

test('memory.events: the counters of a real 6.12 file; junk and missing counters are undefined', () => {
  assert.deepEqual(parseMemoryEvents(REAL), { low: 0, high: 1, max: 0, oom: 0, oomKill: 0 });
  assert.deepEqual(parseMemoryEvents('high 3\nmax 2\noom 1\noom_kill 1\n'), { low: 0, high: 3, max: 2, oom: 1, oomKill: 1 }, 'low is optional');
  assert.equal(parseMemoryEvents('high 1\nmax 0\n'), undefined);
  assert.equal(parseMemoryEvents(''), undefined);
  assert.equal(parseMemoryEvents('high x\nmax 0\noom 0\noom_kill 0'), undefined);
});

test('memory.events changes: oom_kill over oom/max over high; nothing new is nothing', () => {
  const base = { low: 0, high: 5, max: 1, oom: 0, oomKill: 0 };
  assert.equal(memoryEventsLevel(base, { ...base, high: 6 }), 'high');
  assert.equal(memoryEventsLevel(base, { ...base, high: 6, max: 2 }), 'critical');
  assert.equal(memoryEventsLevel(base, { ...base, oom: 1 }), 'critical');
  assert.equal(memoryEventsLevel(base, { ...base, oom: 1, oomKill: 1 }), 'oom-kill');
  assert.equal(memoryEventsLevel(base, { ...base, low: 9 }), undefined, 'memory.low breaches are no shortage');
  assert.equal(memoryEventsLevel(base, base), undefined);
});

test('MemoryEventsTrigger on a group without memory.events: a coded error, nothing armed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-noevents-'));
  const poller = new FdPoller();
  try {
    const t = new MemoryEventsTrigger({ poller, groupPath: dir });
    assert.throws(() => t.start(() => undefined), (e: unknown) => e instanceof TriggerError && e.code === 'TRIGGER_MEMCG_UNAVAILABLE');
    assert.equal(poller.size, 0);
    writeFileSync(join(dir, 'memory.events'), 'junk\n');
    assert.throws(() => new MemoryEventsTrigger({ poller, groupPath: dir }).start(() => undefined), TriggerError, 'unparsable counters');
  } finally {
    await poller.stop();
    rmSync(dir, { recursive: true });
  }
});

test('a kernfs file polled with errorIsEvent: each change arrives (POLLPRI|POLLERR), the fd stays watched, a re-read at 0 clears it',
  { skip: firstReason(needRoot(), needCgroup2()), timeout: 20_000 }, async () => {
    const cg = cgroup2();
    const poller = new FdPoller();
    const fd = openSync(join(cg.path, 'cgroup.events'), 'r');
    const buf = Buffer.alloc(256);
    const readEvents = (): string => buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
    const seen: string[] = [];
    try {
      assert.match(readEvents(), /^populated 0$/m);
      poller.watch(fd, POLLPRI, (revents) => seen.push(`0x${revents.toString(16)} ${/populated (\d)/.exec(readEvents())?.[1]}`), { errorIsEvent: true });
      const child = await startChild('sleep', ['30']);
      writeFileSync(join(cg.path, 'cgroup.procs'), String(child.pid));
      await waitFor(() => seen.length >= 1, 5000, 'populated 1 notified');
      await reapChild(child);
      await waitFor(() => seen.length >= 2, 5000, 'populated 0 notified');
      assert.deepEqual(seen.slice(0, 2), ['0xa 1', '0xa 0'], 'POLLPRI|POLLERR per change, then quiet once read');
      assert.equal(poller.size, 1, 'POLLERR did not drop the fd');
    } finally {
      await poller.stop();
      closeSync(fd);
      await cg.remove();
    }
  });
