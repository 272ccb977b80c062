// contrib/grafana/reapd.json charts only metrics reapd serves: every metric name in its
// queries is one DaemonMetrics registers (a renamed metric would leave a blank panel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('the Grafana dashboard queries only metrics reapd registers', async () => {
  const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'contrib', 'grafana', 'reapd.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  const metrics = new DaemonMetrics({ domains: () => [], controlClients: () => undefined, readPressure: () => Promise.reject(new Error('none')), version: 't' });
  const page = await metrics.registry.metrics();
  const served = new Set([...page.matchAll(/^# TYPE (\w+) (\w+)$/gm)].flatMap((m) => {
    const name = m[1] ?? '';
    return m[2] === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name];
  }));
  const used = dash.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\breapd_\w+/g)].map((m) => m[0])));
  assert.ok(used.length >= 10);
  for (const name of used) assert.ok(served.has(name), `${name} is not a reapd metric`);
});
