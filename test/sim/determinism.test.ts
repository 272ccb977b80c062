// Same input, same bytes: text, JSON and the HTML report, across two runs in one process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import { textReport } from '../../src/sim/report/text.js';
import { jsonReport } from '../../src/sim/report/json.js';
import { htmlReport } from '../../src/sim/report/html.js';

async function render(file: string): Promise<string[]> {
  const result = await simulateScenario(loadScenario(join(REPO_ROOT, 'scenarios', file)), { compareNoReap: true });
  return [textReport(result), jsonReport(result), htmlReport(result)];
}

test('two runs of a scenario give byte-identical text, JSON and HTML', async () => {
  for (const file of ['container-host.toml', 'android-app-cache.toml']) {
    const a = await render(file);
    const b = await render(file);
    assert.equal(a.length, 3);
    a.forEach((out, i) => assert.equal(out, b[i], `${file}: output ${i} differs between runs`));
    // Something happened worth reproducing: kills are listed.
    assert.match(a[0] ?? '', /Kills \(\d+\)/);
  }
});

test('the HTML report is self-contained: no scripts, no external references', async () => {
  const [, , html] = await render('frozen-background.toml');
  assert.ok(html);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<svg /);
  // url(#id) names a pattern in the same SVG (the critical-pressure hatch); any other url( could fetch.
  assert.match(html, /url\(#hatch-/);
  assert.doesNotMatch(html.replace(/url\(#[\w-]+\)/g, ''), /<script|<link|@import|url\(/i);
  // The SVG namespace is an identifier, not a fetch; nothing else may name a URL.
  assert.doesNotMatch(html.replaceAll('http://www.w3.org/2000/svg', ''), /https?:\/\//);
});
