// report_interval end to end: `reapd run --report-interval 200ms` on a v1 memcg logs a
// memory report line per interval whose numbers are the memcg's (its limit, its usage),
// the flag over the file's 1h; and a daemon reporting from its file stops when a SIGHUP
// brings report_interval = "0" (the reload says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcgV1 } from '../helpers/cgroup.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'));

test('report_interval: a one-line memory report per interval with the memcg\'s numbers; reload to "0" stops it', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 256 });
  const config = (interval: string): string => ['[daemon]', 'socket = ""', 'self_protect = false', `report_interval = "${interval}"`,
    '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "64MiB"'].join('\n');
  try {
    await withFlag(config);
    await fromFileThenReload(config);
  } finally {
    await memcg.remove();
  }
});

async function withFlag(config: (interval: string) => string): Promise<void> {
  const reapd = new Reapd();
  try {
    reapd.start({ config: config('1h'), args: ['--report-interval', '200ms'] });
    await reapd.waitForEvent('domain-started', 15_000);
    await reapd.waitFor(() => reapd.events('report', 'apps').length >= 2, 10_000, 'two report lines');
    const r = reapd.events('report', 'apps')[0] as Record<string, unknown>;
    assert.equal(r.level, 'info');
    assert.equal(r.limitKiB, 256 * 1024, 'the memcg\'s limit: the flag (200ms) overrode the file (1h), and the numbers are the domain\'s');
    assert.equal(typeof r.usageKiB, 'number');
    assert.equal(r.kills, 0);
    assert.match(String(r.msg), /^memcg usage [\d.]+ (KiB|MiB) of 256\.0 MiB \([\d.]+%\); mem avail .* above the kill level; 0 kills since start$/);

    assert.equal((await reapd.stop()).code, 0, reapd.describe());
  } finally {
    await reapd.cleanup();
  }
}

async function fromFileThenReload(config: (interval: string) => string): Promise<void> {
  const fromFile = new Reapd();
  try {
    fromFile.start({ config: config('200ms') });
    await fromFile.waitFor(() => fromFile.events('report', 'apps').length >= 1, 15_000, 'a report line');
    fromFile.writeConfig(config('0'));
    fromFile.signal('SIGHUP');
    const reloaded = await fromFile.waitForEvent('config-reloaded', 10_000);
    assert.match(String(reloaded.msg), /report_interval off/);
    const after = fromFile.lines.length;
    await new Promise((r) => setTimeout(r, 2000)); // ten of the old intervals
    assert.equal(fromFile.lines.slice(after).filter((l) => l.event === 'report').length, 0, `no report after the reload\n${fromFile.describe()}`);
    assert.equal((await fromFile.stop()).code, 0, fromFile.describe());
  } finally {
    await fromFile.cleanup();
  }
}
