// `reapd journal` end to end: the built CLI reading a journal file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../src/journal/file-journal.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { record } from '../journal/records.js';

function reapd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function journalWithThreeKills(dir: string): string {
  const path = join(dir, 'journal.jsonl');
  const j = new FileJournal(path);
  const now = Date.now();
  j.append(record({ pid: 1, time: new Date(now - 3 * 3_600_000).toISOString() }));
  j.append(record({ pid: 2, time: new Date(now - 20 * 60_000).toISOString(), reaped: false, reapMs: 0.05 }));
  j.append(record({ pid: 3, time: new Date(now - 60_000).toISOString(), killed: false, error: 'identity-changed', reaped: false, reapMs: null, exitMs: null }));
  j.close();
  appendFileSync(path, '{"time":"2025-'); // torn
  return path;
}

test('journal --json prints the records as JSON lines and reports the torn line on stderr', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-cli-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = journalWithThreeKills(dir);
  const r = reapd('journal', '--path', path, '--json');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pid: number });
  assert.deepEqual(lines.map((l) => l.pid), [1, 2, 3]);
  assert.match(r.stderr, /skipped 1 unreadable line/);
});

test('journal --since 1h keeps the recent kills; the table shows one row per kill', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-cli-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = journalWithThreeKills(dir);
  const json = reapd('journal', '--path', path, '--json', '--since', '1h');
  assert.deepEqual(json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { pid: number }).pid), [2, 3]);
  const table = reapd('journal', '--path', path, '--since', '1h');
  assert.equal(table.status, 0);
  const rows = table.stdout.trim().split('\n');
  assert.match(rows[0] ?? '', /^TIME\s+PID\s+NAME/);
  assert.equal(rows.length, 3);
  assert.match(rows[2] ?? '', /identity-changed/);
});

test('journal: a missing file is not an error; a bad --since is a usage error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-cli-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = reapd('journal', '--path', join(dir, 'none.jsonl'));
  assert.equal(missing.status, 0);
  assert.match(missing.stderr, /no journal at/);
  const bad = reapd('journal', '--path', join(dir, 'none.jsonl'), '--since', 'yesterday');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--since/);
});
