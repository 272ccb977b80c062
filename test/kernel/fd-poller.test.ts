import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FdPoller } from '../../src/kernel/fd-poller.js';
import { close, eventfd, eventfdRead, eventfdWrite, EFD_NONBLOCK, POLLIN, POLLNVAL } from '../../src/kernel/sys/io.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('an fd becomes ready: its handler runs; an idle poller does not wake up', async () => {
  const poller = new FdPoller();
  const a = eventfd(0, EFD_NONBLOCK);
  const b = eventfd(0, EFD_NONBLOCK);
  const seen: string[] = [];
  try {
    poller.watch(a, POLLIN, () => seen.push(`a${eventfdRead(a)}`));
    poller.watch(b, POLLIN, () => seen.push(`b${eventfdRead(b)}`));
    await new Promise((r) => setTimeout(r, 20));
    eventfdWrite(b, 3n);
    await waitFor(() => seen.length === 1, 2000, 'b handler');
    eventfdWrite(a, 2n);
    await waitFor(() => seen.length === 2, 2000, 'a handler');
    assert.deepEqual(seen, ['b3', 'a2']);
    // Idle: poll has no timeout, so nothing returns while nothing happens.
    const returns = poller.pollReturns;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(poller.pollReturns, returns, 'no periodic wakeups');
  } finally {
    await poller.stop();
    close(a);
    close(b);
  }
});

test('unwatch resolves once the fd is out of the poll set; the loop ends with nothing watched', async () => {
  const poller = new FdPoller();
  const a = eventfd(0, EFD_NONBLOCK);
  let calls = 0;
  try {
    poller.watch(a, POLLIN, () => calls++);
    await new Promise((r) => setTimeout(r, 20));
    await withTimeout(poller.unwatch(a), 2000, 'unwatch');
    eventfdWrite(a, 1n); // ready, but no longer watched
    await waitFor(() => !poller.active, 2000, 'poll loop to end');
    assert.equal(calls, 0);
    assert.equal(poller.size, 0);
    // Watching again restarts the loop.
    poller.watch(a, POLLIN, () => { calls++; eventfdRead(a); });
    await waitFor(() => calls === 1, 2000, 'handler after re-watch');
  } finally {
    await poller.stop();
    close(a);
  }
});

test('an fd closed behind the poller reports POLLNVAL and is dropped, not spun on', async () => {
  const logs: string[] = [];
  const poller = new FdPoller({ log: (_l, event) => logs.push(event) });
  const keep = eventfd(0, EFD_NONBLOCK);
  const doomed = eventfd(0, EFD_NONBLOCK);
  let nval = 0;
  try {
    poller.watch(keep, POLLIN, () => eventfdRead(keep));
    poller.watch(doomed, POLLIN, (r) => { if (r & POLLNVAL) nval++; });
    await new Promise((r) => setTimeout(r, 20));
    close(doomed); // the blocked poll still holds the file; the next one sees POLLNVAL
    eventfdWrite(keep, 1n);
    await waitFor(() => nval === 1, 2000, 'POLLNVAL');
    await waitFor(() => poller.size === 1, 2000, 'fd dropped');
    const returns = poller.pollReturns;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(poller.pollReturns - returns <= 1, 'no spinning');
    assert.ok(logs.includes('fd-dropped'));
  } finally {
    await poller.stop();
    close(keep);
  }
});

test('stop() releases the pool thread; watch() after stop() throws', async () => {
  const poller = new FdPoller();
  const a = eventfd(0, EFD_NONBLOCK);
  poller.watch(a, POLLIN, () => undefined);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(poller.active, true);
  await withTimeout(poller.stop(), 2000, 'stop');
  assert.equal(poller.active, false);
  assert.throws(() => poller.watch(a, POLLIN, () => undefined));
  close(a);
});

for (const how of ['exit', 'throw'] as const) {
  test(`${how === 'exit' ? 'process.exit()' : 'an uncaught exception'} while poll is blocked does not hang`, () => {
    const child = join(REPO_ROOT, 'dist', 'test', 'kernel', 'triggers', 'poller-exit-child.js');
    const r = spawnSync(process.execPath, [child, how], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'the child exited on its own (no timeout)');
    assert.match(r.stdout, /polling true/);
    assert.equal(r.status, how === 'exit' ? 0 : 1);
  });
}
