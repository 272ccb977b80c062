// lmkd's stall_limit_critical compares PSI `full avg10` with a limit at each event: the
// source reads it into MemoryState.psiFullAvg10 when asked (stallAverage), from a fake
// procRoot here and from the machine's own /proc/pressure/memory below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KernelProcessSource } from '../../../src/kernel/source.js';
import { makeFakeProc } from './fake-root.js';

const PSI_TEXT = (full: number): string =>
  `some avg10=${full + 10}.00 avg60=1.00 avg300=0.50 total=123456\nfull avg10=${full}.25 avg60=0.50 avg300=0.10 total=65432\n`;

test('stallAverage: full avg10 of /proc/pressure/memory lands in psiFullAvg10, re-read after the 10 ms gap, absent when off', async () => {
  const fake = makeFakeProc();
  mkdirSync(join(fake.root, 'pressure'), { recursive: true });
  const file = join(fake.root, 'pressure', 'memory');
  writeFileSync(file, PSI_TEXT(42));
  const on = new KernelProcessSource({ procRoot: fake.root, pageSizeKiB: 4, stallAverage: true });
  const off = new KernelProcessSource({ procRoot: fake.root, pageSizeKiB: 4 });
  try {
    assert.equal((await on.scan()).memory.psiFullAvg10, 42.25);
    writeFileSync(file, PSI_TEXT(7));
    // Reads of one group stay 10 ms apart (a read within a jiffy loses a stall): after the
    // gap the new value is read.
    await sleep(15);
    assert.equal((await on.readMemory()).memory.psiFullAvg10, 7.25);
    assert.equal((await off.scan()).memory.psiFullAvg10, undefined, 'not read unless asked');
  } finally {
    on.close();
    off.close();
    fake.remove();
  }
});

test('stallAverage: no pressure file (a kernel without PSI) or no full line leaves psiFullAvg10 out, and the scan works', async () => {
  const fake = makeFakeProc();
  const missing = new KernelProcessSource({ procRoot: fake.root, pageSizeKiB: 4, stallAverage: true });
  const someOnly = join(fake.root, 'some-only');
  writeFileSync(someOnly, 'some avg10=3.00 avg60=1.00 avg300=0.50 total=123456\n');
  const noFull = new KernelProcessSource({ procRoot: fake.root, pageSizeKiB: 4, stallAverage: true, pressureFile: someOnly });
  try {
    const snap = await missing.scan();
    assert.equal(snap.memory.psiFullAvg10, undefined);
    assert.ok(snap.processes.length > 0);
    assert.equal((await noFull.scan()).memory.psiFullAvg10, undefined);
  } finally {
    missing.close();
    noFull.close();
    fake.remove();
  }
});

test('stallAverage on this machine: the value read equals /proc/pressure/memory\'s full avg10 read beside it', async (t) => {
  if (!existsSync('/proc/pressure/memory')) {
    t.skip('no /proc/pressure/memory: this kernel has no PSI');
    return;
  }
  const source = new KernelProcessSource({ scanMode: 'incremental', stallAverage: true });
  try {
    const got = (await source.readMemory()).memory.psiFullAvg10;
    const line = readFileSync('/proc/pressure/memory', 'utf8').split('\n').find((l) => l.startsWith('full '));
    const want = Number(/avg10=([\d.]+)/.exec(line ?? '')?.[1]);
    assert.equal(typeof got, 'number');
    // avg10 moves at most every 2 s (the kernel's averaging period): equal, or within a step.
    assert.ok(Math.abs((got ?? -1) - want) < 5, `source ${got} vs file ${want}`);
  } finally {
    source.close();
  }
});
