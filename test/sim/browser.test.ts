// Every scenario's HTML report, opened in headless Chromium at 360, 840 and 1400 px, as a
// new user would: the page itself must report no horizontal overflow, a visible label for
// every kill (not clipped by its chart, not overlapping its neighbour), and a verdict that
// names a run. REAPD_REPORT_SCREENSHOTS=DIR also writes PNGs (360 and 1400 px) and an A4
// PDF per scenario there, for a person to look at; they are never golden files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../helpers/paths.js';
import { Chromium, chromiumMissing } from '../helpers/chromium.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import { htmlReport } from '../../src/sim/report/html.js';

// The three widths, and the widest screen the report promises to fit.
const WIDTHS = [360, 840, 1400, 1920];
const SHOTS = process.env.REAPD_REPORT_SCREENSHOTS;
const missing = chromiumMissing();
if (missing) console.log(`# skipped: browser report tests: ${missing}`);

interface Probe {
  innerWidth: number;
  scrollWidth: number;
  bodyScrollWidth: number;
  verdict: boolean;
  best: string;
  labels: string[];
  clipped: string[];
  overlaps: string[];
}

/** Runs in the page: what a reader sees, measured by the layout engine. */
const PROBE = `(() => {
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const labels = [...document.querySelectorAll('.kill-label')].filter(shown);
  const clipped = [], overlaps = [];
  for (const svg of document.querySelectorAll('svg')) {
    if (!shown(svg)) continue;
    const box = svg.getBoundingClientRect();
    const mine = labels.filter((l) => l.ownerSVGElement === svg).map((l) => [l, l.getBoundingClientRect()]);
    for (const [l, r] of mine) if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1) clipped.push(l.dataset.kill);
    mine.sort((a, b) => a[1].left - b[1].left);
    for (let i = 1; i < mine.length; i++) {
      const a = mine[i - 1][1], b = mine[i][1];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1.5 && h > 1.5) overlaps.push(mine[i - 1][0].dataset.kill + '/' + mine[i][0].dataset.kill);
    }
  }
  const v = document.querySelector('#verdict .best-line');
  return { innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
    verdict: !!document.querySelector('section#verdict'), best: v ? v.textContent : '',
    labels: labels.map((l) => l.dataset.kill), clipped, overlaps };
})()`;

test('the page probe can fail: it sees overflow and a hidden label', { skip: missing ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-browser-'));
  const browser = await Chromium.launch();
  try {
    const file = join(dir, 'bad.html');
    writeFileSync(file, '<!DOCTYPE html><body><div style="width:2000px">wide</div><svg width="100" height="20"><text class="kill-label" data-kill="a" x="5" y="15" style="display:none">x</text><text class="kill-label" data-kill="b" x="5" y="15">seen</text></svg></body>');
    await browser.open(pathToFileURL(file).href, 360);
    const p = await browser.evaluate<Probe>(PROBE);
    assert.ok(p.scrollWidth > p.innerWidth, `overflow seen: ${p.scrollWidth} > ${p.innerWidth}`);
    assert.deepEqual(p.labels, ['b']);
    assert.equal(p.verdict, false);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const files = readdirSync(join(REPO_ROOT, 'scenarios')).filter((f) => f.endsWith('.toml')).sort();

test('every scenario report, at 360, 840, 1400 and 1920 px: no overflow, every kill labelled, a verdict', { skip: missing ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-browser-'));
  const browser = await Chromium.launch();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  try {
    for (const file of files) {
      const name = file.replace(/\.toml$/, '');
      const result = await simulateScenario(loadScenario(join(REPO_ROOT, 'scenarios', file)));
      const kills = result.runs.flatMap((run, ri) => run.kills.map((_, ki) => `r${ri}k${ki}`));
      const labels = new Set(result.runs.map((r) => r.label));
      const path = join(dir, `${name}.html`);
      writeFileSync(path, htmlReport(result));
      for (const width of WIDTHS) {
        await browser.open(pathToFileURL(path).href, width);
        const p = await browser.evaluate<Probe>(PROBE);
        const at = `${name} at ${width} px`;
        assert.equal(p.innerWidth, width, at);
        assert.ok(p.scrollWidth <= p.innerWidth && p.bodyScrollWidth <= p.innerWidth, `${at}: horizontal overflow, scrollWidth ${p.scrollWidth} (body ${p.bodyScrollWidth}) > innerWidth ${p.innerWidth}`);
        assert.deepEqual([...new Set(p.labels)].sort(), [...kills].sort(), `${at}: every kill has exactly one visible label`);
        assert.equal(p.labels.length, kills.length, `${at}: one visible label per kill`);
        assert.deepEqual(p.clipped, [], `${at}: labels clipped by their chart`);
        assert.deepEqual(p.overlaps, [], `${at}: labels overlapping`);
        assert.ok(p.verdict, `${at}: a verdict section`);
        assert.ok([...labels].some((l) => p.best.includes(l)), `${at}: the verdict names a run: "${p.best}"`);
        if (SHOTS && (width === 360 || width === 1400)) writeFileSync(join(SHOTS, `${name}-${width}.png`), await browser.screenshot());
      }
      if (SHOTS) writeFileSync(join(SHOTS, `${name}.pdf`), await browser.pdf());
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
