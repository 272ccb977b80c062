// PSI triggers against the real kernel: a thrasher in a small memcg stalls a cgroup2
// group; the trigger on that group's memory.pressure must fire, unprivileged (2 s window)
// and privileged (a child under `unshare -U -r`, sub-2 s window); rmdir ends it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { probePsiTriggers } from '../../../src/kernel/triggers/psi-arm.js';
import { PsiTrigger } from '../../../src/kernel/triggers/psi-trigger.js';
import { readPressure } from '../../../src/kernel/triggers/pressure-file.js';
import type { TriggerEnd } from '../../../src/kernel/triggers/types.js';
import type { TriggerEvent } from '../../../src/engine/ports.js';
import { close, eventfd, EFD_NONBLOCK, POLLIN } from '../../../src/kernel/sys/io.js';
import { cgroup2 } from '../../helpers/cgroup.js';
import { withTimeout } from '../../helpers/hog.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import {
  firstReason, hasCapSysResource, needCc, needCgroup2, needCgroupV1, needPsi, needRoot, needUnshareUser,
} from '../../helpers/skip.js';
import { pressureGroups, startThrasher } from './pressure-load.js';

const needLoad = firstReason(needRoot(), needPsi(), needCgroup2(), needCgroupV1('memory'), needCc());

test('unprivileged: a sub-2 s window falls back to the nearest 2 s multiple and says so', {
  skip: firstReason(needPsi(), hasCapSysResource() ? 'this process has CAP_SYS_RESOURCE: no fallback happens' : undefined),
}, async () => {
  const poller = new FdPoller();
  const logs: Array<{ event: string; message: string }> = [];
  const trigger = new PsiTrigger({
    poller, stallUs: 50_000, windowUs: 500_000,
    log: (_level, event, message) => logs.push({ event, message }),
  });
  try {
    trigger.start(() => undefined);
    assert.deepEqual(
      { window: trigger.spec?.windowUs, stall: trigger.spec?.stallUs, requested: trigger.fallback?.requestedWindowUs },
      { window: 2_000_000, stall: 200_000, requested: 500_000 },
    );
    const warning = logs.find((l) => l.event === 'psi-window-fallback');
    assert.ok(warning, 'the fallback is logged');
    assert.match(warning.message, /CAP_SYS_RESOURCE/);
    assert.match(trigger.fallback?.message ?? '', /"some 200000 2000000"/);
  } finally {
    await trigger.stop();
    await poller.stop();
  }
});

test('unprivileged 2 s window on a cgroup2 group: the event arrives under real stall', { skip: needLoad, timeout: 15_000 }, async (t) => {
  const groups = pressureGroups();
  const poller = new FdPoller();
  const trigger = new PsiTrigger({ poller, path: join(groups.cg2.path, 'memory.pressure'), stallUs: 50_000, windowUs: 2_000_000 });
  const thrasher = { current: undefined as ReturnType<typeof startThrasher> | undefined };
  try {
    const event = new Promise<{ e: TriggerEvent; wallMs: number }>((resolve) =>
      trigger.start((e) => resolve({ e, wallMs: Date.now() })),
    );
    thrasher.current = startThrasher(groups);
    const startedMs = await withTimeout(thrasher.current.started, 5000, 'thrasher start');
    const { e, wallMs } = await withTimeout(event, 8000, 'PSI event');
    assert.equal(e.source, 'psi');
    assert.equal(e.level, 'critical');
    assert.match(e.detail ?? '', /memory\.pressure/);
    t.diagnostic(`unprivileged some 50000/2000000: event ${wallMs - startedMs} ms after the thrasher started`);
  } finally {
    await thrasher.current?.kill();
    await trigger.stop();
    await poller.stop();
    await groups.remove();
  }
});

interface ChildLine { type: string; wallMs?: number; fallback?: unknown; spec?: { windowUs: number } }

/** Runs psi-child.js under `unshare -U -r` and yields its JSON lines. */
function privilegedChild(args: string[]): { lines: ChildLine[]; next(type: string, ms: number): Promise<ChildLine>; done: Promise<void> } {
  const script = join(REPO_ROOT, 'dist', 'test', 'kernel', 'triggers', 'psi-child.js');
  const child = spawn('unshare', ['-U', '-r', process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: ChildLine[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, i)) as ChildLine);
      buffered = buffered.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (type: string, ms: number): Promise<ChildLine> =>
    withTimeout(new Promise<ChildLine>((resolve) => {
      const look = (): void => {
        const hit = lines.find((l) => l.type === type);
        if (hit) resolve(hit);
        else waiters.push(look);
      };
      look();
    }), ms, `child line "${type}" (got ${JSON.stringify(lines)})`);
  return { lines, next, done };
}

test('privileged (unshare -U -r): a 100 ms window is accepted and fires within tens of ms', {
  skip: firstReason(needLoad, needUnshareUser()), timeout: 15_000,
}, async (t) => {
  const groups = pressureGroups();
  let thrasher: ReturnType<typeof startThrasher> | undefined;
  const child = privilegedChild([join(groups.cg2.path, 'memory.pressure'), 'some', '10000', '100000']);
  try {
    const armed = await child.next('armed', 5000);
    assert.equal(armed.fallback, null, 'no fallback with CAP_SYS_RESOURCE');
    assert.equal(armed.spec?.windowUs, 100_000);
    thrasher = startThrasher(groups);
    const startedMs = await withTimeout(thrasher.started, 5000, 'thrasher start');
    const event = await child.next('event', 8000);
    t.diagnostic(`privileged some 10000/100000: event ${(event.wallMs ?? 0) - startedMs} ms after the thrasher started`);
    await withTimeout(child.done, 5000, 'child exit');
  } finally {
    await thrasher?.kill();
    await child.done;
    await groups.remove();
  }
});

test('POLLERR on rmdir: the trigger closes its fd, reports the end once and does not spin', {
  skip: firstReason(needRoot(), needPsi(), needCgroup2()), timeout: 10_000,
}, async () => {
  const group = cgroup2();
  const poller = new FdPoller();
  const ends: TriggerEnd[] = [];
  let ended: () => void = () => undefined;
  const endedP = new Promise<void>((resolve) => (ended = resolve));
  const trigger = new PsiTrigger({
    poller, path: join(group.path, 'memory.pressure'), stallUs: 100_000, windowUs: 2_000_000,
    onEnded: (e) => { ends.push(e); ended(); },
  });
  const events: TriggerEvent[] = [];
  // A second, quiet fd keeps the poll loop running, so a spin on POLLERR would show.
  const spare = eventfd(0, EFD_NONBLOCK);
  poller.watch(spare, POLLIN, () => undefined);
  try {
    trigger.start((e) => events.push(e));
    assert.equal(poller.size, 2);
    await group.remove();
    await withTimeout(endedP, 3000, 'trigger end after rmdir');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]?.reason, 'group-removed');
    assert.equal(poller.size, 1, 'the trigger fd is no longer polled');
    assert.equal(events.length, 0, 'removal is not a pressure event');
    const returns = poller.pollReturns;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(poller.pollReturns, returns, 'no poll wakeups after the end (no spinning on POLLERR)');
    assert.equal(poller.active, true);
  } finally {
    await trigger.stop();
    await poller.stop();
    close(spare);
    await group.remove();
  }
});

test('§1.5: the first event after arming is checked against the stall growth (spurious unprivileged event dropped)', {
  skip: firstReason(needLoad, hasCapSysResource() ? 'privileged triggers do not fire spuriously' : undefined), timeout: 15_000,
}, async (t) => {
  const groups = pressureGroups();
  const path = join(groups.cg2.path, 'memory.pressure');
  const poller = new FdPoller();
  const logs: string[] = [];
  const triggers: PsiTrigger[] = [];
  let thrasher: ReturnType<typeof startThrasher> | undefined;
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  try {
    // Stall history first (the kernel bug needs it), then quiet.
    thrasher = startThrasher(groups);
    await withTimeout(thrasher.started, 5000, 'thrasher start');
    await pause(1500);
    await thrasher.kill();
    await pause(500);
    // Two identical triggers, one without the check, then a burst far below the threshold.
    const fired = [0, 0];
    for (const [i, verifyFirstEvent] of [false, true].entries()) {
      const trig = new PsiTrigger({ poller, path, stallUs: 150_000, windowUs: 2_000_000, verifyFirstEvent, log: (_l, e) => logs.push(e) });
      trig.start(() => { fired[i] = (fired[i] ?? 0) + 1; });
      triggers.push(trig);
    }
    const before = (await readPressure(path)).some.totalUs;
    thrasher = startThrasher(groups);
    await withTimeout(thrasher.started, 5000, 'thrasher start');
    await pause(80);
    await thrasher.kill();
    const burstUs = (await readPressure(path)).some.totalUs - before;
    await pause(2300); // past the next 2 s averaging tick
    t.diagnostic(`burst ${burstUs} µs of stall; unchecked trigger fired ${fired[0]}, checked trigger fired ${fired[1]}`);
    if (burstUs >= 150_000) {
      t.diagnostic('the burst crossed the threshold: both events are genuine, nothing to check');
      return;
    }
    assert.equal(fired[1], 0, 'the checked trigger drops an event whose stall did not grow by the threshold');
    if (fired[0] === 1) assert.ok(logs.includes('psi-spurious-first-event'), 'the drop is logged');
    else t.diagnostic('this kernel did not fire the spurious event (fixed upstream?)');
  } finally {
    await thrasher?.kill();
    for (const trig of triggers) await trig.stop();
    await poller.stop();
    await groups.remove();
  }
});

test('probePsiTriggers tells privileged from unprivileged (for reapd doctor)', { skip: needPsi() }, () => {
  const support = probePsiTriggers();
  assert.equal(support.level, hasCapSysResource() ? 'privileged' : 'unprivileged', support.message);
  assert.equal(probePsiTriggers('/nonexistent/memory.pressure').level, 'unavailable');
});
