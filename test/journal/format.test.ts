import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKillLine, quoteName } from '../../src/journal/format.js';
import { parseSince } from '../../src/journal/since.js';
import { record } from './records.js';

test('a reaped kill reads like the seed, with pid, uid, anon, reason, reap and exit', () => {
  assert.equal(
    formatKillLine(record()),
    "Killing 'chrome' (4321), uid 1000, oom_score_adj 900 to free 1048576 KiB (anon 1000000 KiB); " +
      'reason: minfree (adj 900 is the highest present); reaped in 15.3 ms; exited after 18.5 ms',
  );
});

test('the line says when the victim freed its memory first, timed out, or was not killed', () => {
  const first = formatKillLine(record({ reaped: false, reapMs: 0.07, exitMs: null, notes: ['reap: ESRCH'] }));
  assert.match(first, /not reaped \(it released its memory first\); still alive at the timeout; notes: reap: ESRCH$/);
  const stale = formatKillLine(record({ killed: false, reaped: false, reapMs: null, exitMs: null, error: 'identity-changed' }));
  assert.match(stale, /^Did not kill 'chrome' \(4321\), uid 1000, oom_score_adj 900: identity-changed; reason: minfree/);
  assert.match(formatKillLine(record({ dryRun: true, killed: false })), /^Would kill 'chrome' \(4321\).*dry run$/);
  assert.match(formatKillLine(record({ reaped: false, error: 'shared-mm-unkillable' })), /not reaped \(shared-mm-unkillable\)/);
});

test('records without `killed` (older lines) are read by their error', () => {
  const { killed: _k, ...old } = record({ error: 'gone', reaped: false, reapMs: null, exitMs: null });
  assert.match(formatKillLine(old), /^Did not kill/);
  const { killed: _k2, ...oldOk } = record();
  assert.match(formatKillLine(oldOk), /^Killing/);
});

test("names are quoted with control characters and quotes escaped: a comm like a) b\\n'c", () => {
  assert.equal(quoteName("a) b\n'c"), "'a) b\\n\\'c'");
  assert.doesNotMatch(formatKillLine(record({ name: 'x\ny' })), /\n/);
});

test('--since accepts ISO 8601 and spans back from now, and refuses anything else', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  assert.equal(parseSince('10m', now)?.toISOString(), '2025-06-01T11:50:00.000Z');
  assert.equal(parseSince('2h', now)?.toISOString(), '2025-06-01T10:00:00.000Z');
  assert.equal(parseSince('1.5d', now)?.toISOString(), '2025-05-31T00:00:00.000Z');
  assert.equal(parseSince('2025-05-01T00:00:00Z', now)?.toISOString(), '2025-05-01T00:00:00.000Z');
  assert.equal(parseSince('2025-05-01', now)?.toISOString(), '2025-05-01T00:00:00.000Z');
  for (const bad of ['yesterday', '10', '10y', '', '2025-13-45']) assert.equal(parseSince(bad, now), undefined, bad);
});
