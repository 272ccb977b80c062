// The HTML report without a browser (test/sim/browser.test.ts checks the rendered page):
// the verdict opens it, every kill has a label in both chart variants, and the one
// cross-run chart has a headroom line per run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import { htmlReport } from '../../src/sim/report/html.js';
import { verdict } from '../../src/sim/report/verdict.js';

test('desktop-leak HTML: verdict first, labelled kills in both variants, one headroom line per run', async () => {
  const r = await simulateScenario(loadScenario(join(REPO_ROOT, 'scenarios', 'desktop-leak.toml')));
  const html = htmlReport(r);
  const v = verdict(r);
  assert.ok(html.indexOf('id="verdict"') < html.indexOf('id="together"'), 'the verdict comes before the charts');
  assert.ok(html.indexOf('id="together"') < html.indexOf('class="run"'), 'the cross-run chart comes before the per-run details');
  assert.match(html, new RegExp(`data-best="${v.best.join(',')}"`));
  r.runs.forEach((run, ri) => {
    run.kills.forEach((k, ki) => {
      const labels = html.match(new RegExp(`<text class="kill-label[^"]*" data-kill="r${ri}k${ki}"[^>]*>([^<]*)<`, 'g')) ?? [];
      assert.equal(labels.length, 2, `${run.label} kill ${ki}: a label in the wide and the narrow chart`);
      for (const l of labels) assert.ok(l.includes(k.name), `${l} names ${k.name}`);
    });
  });
  // Two variants of one cross-run chart (one domain), each with a line per run.
  assert.equal((html.match(/class="headroom"/g) ?? []).length, 2 * r.runs.length);
});
