// The machine's process list at pressure events without a /proc listing when no task was
// created since (procfs/machine-pids.ts), on the real kernel: a new process is found by
// looking at the pids allocated since, a new thread is not a process, an exited process
// leaves, and nothing else on the machine is missed (compared with a full listing).
// Only processes this test starts are signalled; every wait has a timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { MachinePids, type ListKind } from '../../../src/kernel/procfs/machine-pids.js';
import { listProcPids } from '../../../src/kernel/procfs/list.js';
import { ReadBuffer } from '../../../src/kernel/procfs/read-buffer.js';
import { KernelProcessSource } from '../../../src/kernel/source.js';
import { makeFakeProc } from './fake-root.js';
import { reapChild, startChild } from '../../helpers/children.js';

/** Read through a function: TypeScript would otherwise narrow it after the first assertion. */
const kindOf = (pids: MachinePids): ListKind => pids.lastKind;

test('machine pids: new processes come from the pids allocated since, threads are not processes, nothing is missed', async () => {
  const pids = new MachinePids('/proc', new ReadBuffer(4096));
  const children: ChildProcess[] = [];
  let worker: Worker | undefined;
  try {
    pids.keep(pids.list());
    assert.equal(kindOf(pids), 'full', 'the first list is a full one');
    const again = pids.list();
    // Other processes on the machine may start meanwhile: either way the list is the full one's.
    assert.ok(kindOf(pids) === 'unchanged' || kindOf(pids) === 'probed', `then from the cursor (${kindOf(pids)})`);
    pids.keep(again);

    const child = await startChild('sleep', ['1000']);
    children.push(child);
    worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((r) => worker?.once('online', r));
    const tids = readdirSync(`/proc/${process.pid}/task`).map(Number);
    const list = pids.list();
    assert.equal(kindOf(pids), 'probed');
    assert.ok(list.includes(child.pid as number), 'the new process is listed');
    for (const tid of tids) if (tid !== process.pid) assert.ok(!list.includes(tid), `thread ${tid} of this process is not a process`);
    const full = new Set(listProcPids('/proc'));
    for (const pid of full) assert.ok(list.includes(pid), `pid ${pid} of the full listing is in the list`);
    pids.keep(list.filter((pid) => full.has(pid)));

    await reapChild(child);
    const after = pids.list();
    pids.keep(after.filter((pid) => pid !== child.pid));
    assert.ok(!pids.list().includes(child.pid as number), 'an exited process leaves once a scan has found it gone');
  } finally {
    await worker?.terminate();
    for (const c of children) await reapChild(c);
  }
});

test('machine pids: a cursor that went backwards, or a list asked in full, lists /proc in full', () => {
  const pids = new MachinePids('/proc', new ReadBuffer(4096));
  pids.keep(pids.list());
  pids.keep(pids.list());
  assert.notEqual(kindOf(pids), 'full');
  pids.list(true);
  assert.equal(kindOf(pids), 'full');
  // As if the allocator had wrapped: the recorded cursor is ahead of the real one.
  (pids as unknown as { cursor: number }).cursor = Number.MAX_SAFE_INTEGER - 1;
  pids.list();
  assert.equal(kindOf(pids), 'full');
});

test('machine pids: a procfs without loadavg or our NSpid (a fake tree) is always listed in full', () => {
  const fake = makeFakeProc();
  try {
    const pids = new MachinePids(fake.root, new ReadBuffer(4096));
    pids.keep(pids.list());
    const list = pids.list();
    assert.equal(kindOf(pids), 'full');
    assert.deepEqual([...list].sort((a, b) => a - b), [...fake.pids.values()].sort((a, b) => a - b));
  } finally {
    fake.remove();
  }
});

test('incremental scans of the machine list /proc only when processes may have appeared, and see a newcomer at once', async () => {
  const source = new KernelProcessSource({ scanMode: 'incremental', lazySizes: true });
  const children: ChildProcess[] = [];
  try {
    await source.scan();
    assert.equal(source.lastListKind, 'full');
    await source.scan();
    const child = await startChild('sleep', ['1000']);
    children.push(child);
    const snap = await source.scan();
    assert.notEqual(source.lastListKind, 'full');
    assert.ok(snap.processes.some((p) => p.pid === child.pid), 'the newcomer is in the snapshot');
    await reapChild(child);
    const later = await source.scan();
    assert.ok(!later.processes.some((p) => p.pid === child.pid), 'gone once exited');
  } finally {
    source.close();
    for (const c of children) await reapChild(c);
  }
});
