// `reapd simulate --report out.html`: one self-contained file — inline CSS, inline SVG,
// no script, no network. The verdict first, the terms, one chart of every run on one time
// axis, the comparison table; then per run its charts (labelled kills) and kill table.
import type { RunResult, SimulationResult } from '../results.js';
import { comparisonRows } from './comparison.js';
import { crossChart, runSwatch } from './cross-chart.js';
import { duration, formatKiB, seconds } from './format.js';
import { CSS } from './html-css.js';
import { escapeHtml as e } from './html-escape.js';
import { termsSection, verdictSection } from './html-verdict.js';
import { chart } from './svg.js';

/** The two drawing widths: the wide chart for screens from 40rem and print, the narrow below. */
const WIDE = 900;
const NARROW = 360;

function comparison(r: SimulationResult): string {
  const head = `<tr><th></th>${r.runs.map((run) => `<th>${e(run.label)}</th>`).join('')}</tr>`;
  const rows = comparisonRows(r.runs).map((row) => `<tr><td>${e(row.metric)}</td>${row.values.map((v) => `<td>${e(v)}</td>`).join('')}</tr>`);
  return `<div class="scroll"><table>${head}${rows.join('')}</table></div>`;
}

/** The kill table; below 40rem each kill becomes a wrapped block (CSS, data-h labels). */
function kills(run: RunResult, multiDomain: boolean): string {
  if (run.kills.length === 0) return '<p>No kills.</p>';
  const names = ['time', ...(multiDomain ? ['domain'] : []), 'pid', 'name', 'adj', 'expected', 'freed', 'reaped', 'exit', 'by'];
  const head = `<tr class="head">${names.map((n) => `<th>${n}</th>`).join('')}</tr>`;
  const rows = run.kills.map((k) => {
    const exit = k.exitAtMs === null ? 'never' : `+${seconds(k.exitAtMs - k.atMs)}`;
    const cells = [seconds(k.atMs), ...(multiDomain ? [k.domain] : []), String(k.pid), k.name, String(k.oomScoreAdj), formatKiB(k.sizeKiB), formatKiB(k.freedKiB), k.reaped ? formatKiB(k.reapedKiB) : 'no', exit, k.by === 'kernel-oom' ? 'kernel OOM' : 'policy'];
    const scope = k.scope !== undefined ? ` — scope ${e(k.scope)} (${e(formatKiB(k.scopeKiB ?? 0))}): ${e(k.scopeWhy ?? '')}` : '';
    const why = `${e(k.why)}${scope}${k.notes.length > 0 ? ` — ${e(k.notes.join(', '))}` : ''}`;
    return `<tr class="k">${cells.map((c, i) => `<td data-h="${names[i] ?? ''}">${e(c)}</td>`).join('')}</tr><tr class="why-row"><td class="why" colspan="${cells.length}">${why}</td></tr>`;
  });
  return `<div class="scroll"><table class="kills">${head}${rows.join('')}</table></div>`;
}

const sw = (style: string): string => `<svg class="swatch" width="14" height="12" viewBox="0 0 14 12" aria-hidden="true">${style}</svg>`;
const RUN_LEGEND = [
  ['used by processes and kernel', sw('<rect width="14" height="12" class="used"/>')],
  ['page cache', sw('<rect width="14" height="12" class="cache"/>')],
  ['swap used', sw('<line x1="0" y1="6" x2="14" y2="6" class="swap"/>')],
  ['domain size', sw('<line x1="0" y1="6" x2="14" y2="6" class="limit"/>')],
  ['stall, ms/s', sw('<line x1="0" y1="6" x2="14" y2="6" class="stall"/>')],
  ['critical pressure (hatched)', sw('<rect width="14" height="12" class="crit-bg"/><line x1="3" y1="12" x2="9" y2="0" class="crit-line"/><line x1="9" y1="12" x2="14" y2="2" class="crit-line"/>')],
  ['policy kill: name and size', sw('<line x1="7" y1="0" x2="7" y2="12" class="kill"/>')],
  ['kernel OOM kill (OOM …)', sw('<line x1="7" y1="0" x2="7" y2="12" class="kill oom"/>')],
]
  .map(([label, swatch]) => `<li>${swatch}${e(label ?? '')}</li>`)
  .join('');

/** The same figure drawn twice: CSS shows the wide one from 40rem and in print, else the narrow. */
function figure(draw: (width: number, variant: string) => string, caption: string): string {
  return `<figure><div class="chart wide">${draw(WIDE, 'w')}</div><div class="chart narrow">${draw(NARROW, 'n')}</div><figcaption>${caption}</figcaption></figure>`;
}

function runSection(r: SimulationResult, run: RunResult, runIndex: number): string {
  const multi = r.domains.length > 1;
  const parts = [`<section class="run" id="run-${runIndex}"><h2>${e(run.label)}</h2>`, `<p>Reaping ${e(run.reap)}.</p>`];
  r.domains.forEach((d, di) => {
    const timeline = run.timelines.get(d.name);
    const policy = run.domains.find((x) => x.name === d.name)?.policy ?? '';
    if (!timeline) return;
    const domainKills = run.kills.map((k, i) => ({ k, id: `r${runIndex}k${i}` })).filter((x) => x.k.domain === d.name);
    parts.push(`<h3>${e(d.name)} — ${e(policy)}</h3>`);
    const draw = (width: number, variant: string): string =>
      chart({
        id: `r${runIndex}d${di}${variant}`,
        width,
        timeline,
        durationMs: r.durationMs,
        sizeKiB: d.sizeKiB,
        swapKiB: d.swapKiB,
        kills: domainKills.map((x) => x.k),
        killIds: domainKills.map((x) => x.id),
      });
    parts.push(figure(draw, `<ul class="legend">${RUN_LEGEND}</ul>`));
  });
  parts.push(kills(run, multi), '</section>');
  return parts.join('\n');
}

function togetherSection(r: SimulationResult): string {
  const legend = `<ul class="legend">${r.runs.map((run, i) => `<li>${runSwatch(i)}${e(run.label)}</li>`).join('')}</ul>`;
  const parts = ['<section id="together"><h2>All runs on one time axis</h2>'];
  r.domains.forEach((d, di) => {
    if (r.domains.length > 1) parts.push(`<h3>${e(d.name)}</h3>`);
    const draw = (width: number, variant: string): string => crossChart({ id: `x${di}${variant}`, width, domain: d.name, sizeKiB: d.sizeKiB, durationMs: r.durationMs, runs: r.runs });
    const caption = `${legend}Top: memory headroom of each run (lower is closer to running out). Below, one strip per run: its stall (grey, up to 1000 ms/s), critical pressure hatched, ▼ at each kill.`;
    parts.push(figure(draw, caption));
  });
  parts.push('</section>');
  return parts.join('\n');
}

export function htmlReport(r: SimulationResult): string {
  const title = `reapd simulate: ${r.name}`;
  const domains = r.domains.map((d) => `${d.name} (${d.kind}, ${formatKiB(d.sizeKiB)}${d.swapKiB > 0 ? `, swap ${formatKiB(d.swapKiB)}` : ''})`).join('; ');
  const nav = ['<a href="#verdict">Verdict</a>', '<a href="#terms">Terms</a>', '<a href="#together">All runs</a>', '<a href="#comparison">Comparison</a>', ...r.runs.map((run, i) => `<a href="#run-${i}">${e(run.label)}</a>`)];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${e(title)}</h1>`,
    r.description ? `<p>${e(r.description)}</p>` : '',
    `<p>${e(r.kind === 'scenario' ? 'Scenario' : 'Trace')}: ${e(duration(r.durationMs))} in ticks of ${r.tickMs} ms; ${r.processes} processes; ${e(domains)}.</p>`,
    `<nav>${nav.join(' ')}</nav>`,
    verdictSection(r),
    termsSection(),
    togetherSection(r),
    '<section id="comparison"><h2>Comparison</h2>',
    comparison(r),
    '</section>',
    ...r.runs.map((run, i) => runSection(r, run, i)),
    '</body></html>',
    '',
  ].join('\n');
}
