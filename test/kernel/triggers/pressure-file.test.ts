import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MIN_PRESSURE_READ_INTERVAL_MS, parsePressure, pressureReadDelayMs, readPressure, readPressureIfAllowed } from '../../../src/kernel/triggers/pressure-file.js';
import { needPsi } from '../../helpers/skip.js';

test('parsePressure reads real 6.18 text', () => {
  const text = 'some avg10=5.61 avg60=1.01 avg300=0.21 total=643023\nfull avg10=4.00 avg60=0.50 avg300=0.10 total=600001\n';
  assert.deepEqual(parsePressure(text), {
    some: { avg10: 5.61, avg60: 1.01, avg300: 0.21, totalUs: 643023 },
    full: { avg10: 4, avg60: 0.5, avg300: 0.1, totalUs: 600001 },
  });
  assert.deepEqual(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n')?.full, undefined);
  assert.equal(parsePressure(''), undefined);
  assert.equal(parsePressure('full avg10=0.00 total=1'), undefined);
});

test('parsePressure never throws', () => {
  fc.assert(fc.property(fc.string(), (s) => {
    parsePressure(s);
  }));
});

test('reads of one group are spaced at least 10 ms apart (kernel-interfaces §1.6)', { skip: needPsi() }, async () => {
  const path = '/proc/pressure/memory';
  await readPressure(path);
  assert.ok(pressureReadDelayMs(path) > 0, 'a read just happened');
  assert.equal(readPressureIfAllowed(path), undefined, 'the synchronous read refuses inside the gap');
  assert.ok(pressureReadDelayMs('/proc/pressure/cpu') > 0, 'cpu and memory of one group share the gap');
  assert.ok(pressureReadDelayMs(path) <= MIN_PRESSURE_READ_INTERVAL_MS);
  const p = await readPressure(path); // waits for the gap instead of reading early
  assert.ok(p.some.totalUs >= 0);
});
