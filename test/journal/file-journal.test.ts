import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../src/journal/file-journal.js';
import { readJournal, parseJournal } from '../../src/journal/read.js';
import { record } from './records.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'reapd-journal-'));
}

test('append writes one JSON line per kill, creating the parent directory', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'var', 'journal.jsonl');
  const j = new FileJournal(path);
  j.append(record({ pid: 1 }));
  j.append(record({ pid: 2, reaped: false, reapMs: null, exitMs: null }));
  j.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], '');
  assert.deepEqual(JSON.parse(lines[0] as string), record({ pid: 1 }));
  const { records, skipped } = readJournal(path);
  assert.deepEqual(records.map((r) => r.pid), [1, 2]);
  assert.equal(records[1]?.reapMs, null);
  assert.equal(skipped, 0);
});

test('the journal survives a reopen: a new FileJournal appends after the old records', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'journal.jsonl');
  const first = new FileJournal(path);
  first.append(record({ pid: 1 }));
  first.close();
  const second = new FileJournal(path);
  second.append(record({ pid: 2 }));
  second.close();
  assert.deepEqual(readJournal(path).records.map((r) => r.pid), [1, 2]);
});

test('a torn last line (crash mid-write) is skipped, and the next record after a restart is intact', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'journal.jsonl');
  const j = new FileJournal(path);
  j.append(record({ pid: 1 }));
  j.close();
  const full = JSON.stringify(record({ pid: 2 }));
  appendFileSync(path, full.slice(0, full.length / 2)); // the crash
  const torn = readJournal(path);
  assert.deepEqual(torn.records.map((r) => r.pid), [1]);
  assert.equal(torn.skipped, 1);
  const after = new FileJournal(path);
  after.append(record({ pid: 3 }));
  after.close();
  const { records, skipped } = readJournal(path);
  assert.deepEqual(records.map((r) => r.pid), [1, 3]);
  assert.equal(skipped, 1);
});

test('invalid lines are skipped without failing: not JSON, not an object, wrong types, missing fields', () => {
  const good = JSON.stringify(record({ pid: 7 }));
  const { pid: _pid, ...noPid } = record();
  const text = [
    good,
    '{not json',
    '[]',
    '42',
    JSON.stringify({ ...record(), reaped: 'yes' }),
    JSON.stringify({ ...record(), time: 'yesterday' }),
    JSON.stringify(noPid),
    JSON.stringify({ ...record(), notes: [1] }),
    '',
    good,
  ].join('\n');
  const { records, skipped } = parseJournal(text);
  assert.equal(records.length, 2);
  assert.equal(skipped, 7);
});

test('since keeps records at or after the instant', () => {
  const text = ['2025-06-01T10:00:00Z', '2025-06-01T11:00:00Z', '2025-06-01T12:00:00Z']
    .map((time, i) => JSON.stringify(record({ time, pid: i })))
    .join('\n');
  const { records } = parseJournal(text, { since: new Date('2025-06-01T11:00:00Z') });
  assert.deepEqual(records.map((r) => r.pid), [1, 2]);
});

test('a write failure goes to onError and never throws out of append', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A directory where the file should be: open fails with EISDIR.
  const path = join(dir, 'journal.jsonl');
  mkdirSync(path);
  const errors: string[] = [];
  const j = new FileJournal(path, { onError: (e) => errors.push((e as { code?: string }).code ?? e.message) });
  assert.doesNotThrow(() => j.append(record()));
  assert.deepEqual(errors, ['EISDIR']);
  rmSync(path, { recursive: true });
  writeFileSync(path, '');
  chmodSync(path, 0o640);
  j.append(record({ pid: 9 }));
  assert.deepEqual(readJournal(path).records.map((r) => r.pid), [9]);
});
