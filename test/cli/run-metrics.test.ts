// End to end: `reapd run --metrics 127.0.0.1:0` during a real kill in a v1 memcg. /metrics
// is scraped over HTTP before and after: the kill counters, the event -> SIGKILL and
// SIGKILL -> exit histograms and the per-domain totals move by what the log says
// happened; `promtool check metrics` (Debian's prometheus package) accepts the page.
// Without --metrics nothing listens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { startKillScenario } from './kill-scenario.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sum of a metric's samples whose labels include every pair in `labels`. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of page.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

test('/metrics during a real kill: counters and histograms move, promtool accepts the page', { skip, timeout: 90_000 }, async (t) => {
  const s = await startKillScenario({ name: 'metrics', args: ['--metrics', '127.0.0.1:0'] });
  try {
    const listening = await s.reapd.waitForEvent('metrics-listening', 10_000);
    const port = Number(listening.port);
    assert.equal(listening.host, '127.0.0.1', 'loopback');
    const before = await scrape(port);
    assert.equal(before.status, 200);
    assert.match(before.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(before.body, 'reapd_kills_total'), undefined, 'no kill yet');
    assert.ok((sample(before.body, 'reapd_headroom_bytes', { domain: 'apps' }) ?? -1) > 0, 'headroom above the kill level before the squeeze');
    assert.ok((sample(before.body, 'reapd_memory_available_bytes', { domain: 'apps' }) ?? 0) > 0);

    await s.squeeze();
    const after = await scrape(port);
    const kills = s.kills().filter((k) => k.killed === true && k.dryRun === false);
    assert.equal(kills.length, 2, s.reapd.describe());
    assert.equal(sample(after.body, 'reapd_kills_total', { domain: 'apps', policy: 'simple-lmk', outcome: 'killed' }), kills.length, after.body);
    const withTiming = kills.filter((k) => typeof k.eventToSignalMs === 'number').length;
    assert.equal(sample(after.body, 'reapd_kill_event_to_signal_seconds_count', { domain: 'apps' }), withTiming);
    assert.equal(sample(after.body, 'reapd_kill_signal_to_exit_seconds_count', { domain: 'apps' }), kills.filter((k) => k.exitMs !== null).length);
    assert.equal(sample(after.body, 'reapd_reaps_total', { domain: 'apps' }), kills.length);
    assert.ok((sample(after.body, 'reapd_trigger_events_total', { domain: 'apps' }) ?? 0) >= 1);
    assert.ok((sample(after.body, 'reapd_reclaims_total', { domain: 'apps' }) ?? 0) >= 1);
    assert.ok((sample(after.body, 'reapd_decisions_total', { domain: 'apps', outcome: 'victims' }) ?? 0) >= 1);
    assert.ok((sample(after.body, 'reapd_scan_seconds_count', { domain: 'apps' }) ?? 0) >= 1);
    assert.notEqual(sample(after.body, 'reapd_absorbed_events_total', { domain: 'apps' }), undefined);
    assert.equal(sample(after.body, 'reapd_journal_failures_total'), 0);
    assert.equal((await scrape(port, '/')).status, 404, 'only /metrics is served');

    if (!promtool) t.diagnostic('promtool check skipped: promtool not installed (apt-get install prometheus)');
    else {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: after.body, encoding: 'utf8', timeout: 20_000 });
      assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    }
  } finally {
    await s.cleanup();
  }
  if (!promtool) t.skip('promtool not installed (apt-get install prometheus): the page was scraped but not linted');
});

test('without --metrics nothing serves /metrics', { skip, timeout: 60_000 }, async () => {
  const s = await startKillScenario({ name: 'nometrics' });
  try {
    await s.squeeze();
    assert.equal(s.reapd.events('metrics-listening').length, 0);
    assert.equal(s.kills().length, 2, 'the kill happens all the same');
  } finally {
    await s.cleanup();
  }
});
