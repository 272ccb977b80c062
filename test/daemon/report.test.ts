// report_interval's line (src/daemon/report.ts): the text and fields for the machine and
// for a memcg, below the kill level, a domain whose memory cannot be read, and the
// schema's default (off).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, MemoryReporter, type ReportedDomain } from '../../src/daemon/report.js';
import { DAEMON_DEFAULTS } from '../../src/config/schema.js';
import { CapturedLog, memory } from './fakes.js';

const GiB = 1024 * 1024;

test('the machine: available of total with the percentage, swap, headroom, kills', () => {
  const view = { memory: memory({ totalKiB: 16 * GiB, availableKiB: 4 * GiB, swapTotalKiB: 2 * GiB, swapFreeKiB: GiB }) };
  assert.equal(formatReport(view, 2.4 * GiB, 1), 'mem avail 4.0 GiB of 16.0 GiB (25.0%), swap free 1.0 GiB of 2.0 GiB; 2.4 GiB above the kill level; 1 kill since start');
});

test('a memcg: its usage of its limit first; below the kill level is said so, not as a negative', () => {
  const view = { memory: memory(), cgroup: { path: '/sys/fs/cgroup/memory/apps', usageKiB: 300 * 1024, limitKiB: 320 * 1024 } };
  assert.equal(formatReport(view, -10 * 1024, 0), 'memcg usage 300.0 MiB of 320.0 MiB (93.8%); mem avail 4.0 GiB of 8.0 GiB (50.0%), swap free 0 KiB of 0 KiB; 10.0 MiB below the kill level; 0 kills since start');
  assert.match(formatReport({ ...view, cgroup: { ...view.cgroup, limitKiB: null } }, 0, 0), /^memcg usage 300\.0 MiB \(no limit\);/);
});

test('report(): one info line per domain with the numbers as fields; an unreadable domain says so', async () => {
  const log = new CapturedLog();
  const ok: ReportedDomain = { name: 'machine', memoryNow: () => Promise.resolve({ view: { memory: memory() }, headroomKiB: 1024 }), stats: { kills: 2 } };
  const broken: ReportedDomain = { name: 'gone', memoryNow: () => Promise.reject(new Error('ENOENT memory.usage_in_bytes')), stats: { kills: 0 } };
  await new MemoryReporter({ domains: () => [ok, broken], logger: log.logger }).report();
  const lines = log.events('report');
  assert.equal(lines.length, 2);
  const m = lines.find((l) => l.domain === 'machine');
  assert.equal(m?.level, 'info');
  assert.equal(m?.availableKiB, 4 * GiB);
  assert.equal(m?.headroomKiB, 1024);
  assert.equal(m?.kills, 2);
  const g = lines.find((l) => l.domain === 'gone');
  assert.equal(g?.level, 'warn');
  assert.match(String(g?.msg), /cannot read memory: ENOENT/);
});

test('off by default (as earlyoom -r 0); set(0) stops a running report', () => {
  assert.equal(DAEMON_DEFAULTS.reportIntervalMs, 0);
  const r = new MemoryReporter({ domains: () => [], logger: new CapturedLog().logger });
  r.set(1000);
  r.set(0);
  r.stop();
});
