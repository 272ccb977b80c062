// End to end: the warning stage in a v1 memcg. The growing hog passes warn_headroom on its
// way to the kill level: reapd logs and journals one warning (rate-limited: one per
// warn_every) naming the processes it then kills, runs the warn hook with them, and kills
// as before; the kill readers skip the warning record without calling it damage. With
// warn_headroom = "0" the same squeeze gives no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { waitFor } from '../helpers/hog.js';
import { parseJournal } from '../../src/journal/read.js';
import { startKillScenario } from './kill-scenario.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

test('warning stage: one warning before the kill names the next victims; journalled; the warn hook runs', { skip, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-warn-'));
  const hook = join(dir, 'warn.sh');
  writeFileSync(hook, `#!/bin/sh\nenv | grep '^REAPD_' > "${dir}/warn.env"\n`);
  chmodSync(hook, 0o755);
  const s = await startKillScenario({
    name: 'warn', growStepMs: 150,
    domainLines: ['warn_headroom = "100MiB"', 'warn_interval = "100ms"', 'warn_every = "60s"'],
    tables: ['[hooks]', `warn = "${hook}"`],
  });
  try {
    await s.squeeze();
    const warnings = s.reapd.events('warning', 'apps');
    assert.equal(warnings.length, 1, `one warning (warn_every = 60s)\n${s.reapd.describe()}`);
    const w = warnings[0] as unknown as { next: Array<{ pid: number; uid: number; name: string }>; headroomKiB: number; warnHeadroomKiB: number };
    const firstKill = s.reapd.lines.findIndex((l) => l.event === 'kill');
    assert.ok(s.reapd.lines.indexOf(warnings[0] as never) < firstKill, 'the warning comes before the kill');
    assert.equal(w.warnHeadroomKiB, 100 * 1024);
    assert.ok(w.headroomKiB <= w.warnHeadroomKiB);
    const killed = s.kills().map((k) => Number(k.pid));
    assert.ok(w.next.length >= 1 && killed.includes(w.next[0]?.pid ?? -1), `the first named is killed: ${JSON.stringify(w.next)} vs ${killed.join(',')}`);
    assert.ok(w.next.every((p) => p.uid === 0), 'each with its uid');
    const text = readFileSync(s.reapd.journalPath, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.filter((l) => l.type === 'warning').length, 1, 'the warning is journalled');
    const read = parseJournal(text);
    assert.equal(read.records.length, 2);
    assert.equal(read.skipped, 0, 'kill readers skip the warning record without counting it as damage');
    await waitFor(() => existsSync(join(dir, 'warn.env')), 5000, 'the warn hook ran');
    const env = readFileSync(join(dir, 'warn.env'), 'utf8');
    assert.match(env, /^REAPD_HOOK=warn$/m);
    assert.match(env, new RegExp(`^REAPD_PID=${w.next[0]?.pid}$`, 'm'));
    assert.match(env, /^REAPD_DOMAIN=apps$/m);
  } finally {
    await s.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warn_headroom = "0": the same squeeze gives no warning, and the kill happens', { skip, timeout: 90_000 }, async () => {
  const s = await startKillScenario({ name: 'nowarn', growStepMs: 150, domainLines: ['warn_headroom = "0"', 'warn_interval = "100ms"'] });
  try {
    await s.squeeze();
    assert.equal(s.reapd.events('warning').length, 0);
    assert.equal(s.kills().length, 2);
  } finally {
    await s.cleanup();
  }
});
