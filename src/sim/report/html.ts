// `reapd simulate --report out.html`: one self-contained file — inline CSS, inline SVG,
// no script, no network — with the comparison table, then per run its charts and kills.
import { ADJ_BANDS, type RunResult, type SimulationResult } from '../results.js';
import { comparisonRows } from './comparison.js';
import { duration, formatKiB, seconds } from './format.js';
import { escapeHtml as e } from './html-escape.js';
import { chart } from './svg.js';

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
td:first-child, th:first-child { text-align: left; } .why { color: #555; font-size: 12px; text-align: left; }
.used { fill: #4a7fb5; opacity: 0.85; } .cache { fill: #b9d3ee; } .swap { fill: none; stroke: #8a4fb5; stroke-width: 1.5; }
.limit { stroke: #000; stroke-dasharray: 4 3; } .stall { fill: none; stroke: #d2691e; stroke-width: 1.2; }
.crit { fill: #f4b6b6; } .frame { fill: none; stroke: #999; } .kill { stroke: #c00; stroke-width: 1.2; } .kill.oom { stroke: #000; stroke-width: 2; }
.axis { font-size: 10px; fill: #555; } .end { text-anchor: end; } .mid { text-anchor: middle; } .start { text-anchor: start; }
.legend span { display: inline-block; margin-right: 1em; } .sw { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; }
`;

function comparison(r: SimulationResult): string {
  const head = `<tr><th></th>${r.runs.map((run) => `<th>${e(run.label)}</th>`).join('')}</tr>`;
  const rows = comparisonRows(r.runs).map((row) => `<tr><td>${e(row.metric)}</td>${row.values.map((v) => `<td>${e(v)}</td>`).join('')}</tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

function kills(run: RunResult, multiDomain: boolean): string {
  if (run.kills.length === 0) return '<p>No kills.</p>';
  const head = `<tr><th>time</th>${multiDomain ? '<th>domain</th>' : ''}<th>pid</th><th>name</th><th>adj</th><th>expected</th><th>freed</th><th>reaped</th><th>exit</th><th>by</th></tr>`;
  const rows = run.kills.map((k) => {
    const exit = k.exitAtMs === null ? 'never' : `+${seconds(k.exitAtMs - k.atMs)}`;
    const cells = [seconds(k.atMs), ...(multiDomain ? [k.domain] : []), String(k.pid), k.name, String(k.oomScoreAdj), formatKiB(k.sizeKiB), formatKiB(k.freedKiB), k.reaped ? formatKiB(k.reapedKiB) : 'no', exit, k.by === 'kernel-oom' ? 'kernel OOM' : 'policy'];
    const span = cells.length;
    return `<tr>${cells.map((c) => `<td>${e(c)}</td>`).join('')}</tr><tr><td class="why" colspan="${span}">${e(k.why)}${k.notes.length > 0 ? ` — ${e(k.notes.join(', '))}` : ''}</td></tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function runSection(r: SimulationResult, run: RunResult): string {
  const multi = r.domains.length > 1;
  const s = run.summary;
  const parts = [`<h2>${e(run.label)}</h2>`];
  parts.push(
    `<p>Reaping ${e(run.reap)}. Freed ${e(formatKiB(s.freedKiB))}, overshoot ${e(formatKiB(s.overshootKiB))}, critical pressure ${e(seconds(s.criticalMs))}, ` +
      `stall ${e(seconds(s.stallMs))}, kernel OOM kills ${s.kernelOomKills}. Lost by adj band: ${ADJ_BANDS.map((b) => `${e(b)}: ${s.lostByBand[b]}`).join(', ')}.</p>`,
  );
  for (const d of r.domains) {
    const timeline = run.timelines.get(d.name);
    const policy = run.domains.find((x) => x.name === d.name)?.policy ?? '';
    if (!timeline) continue;
    parts.push(`<h3>${e(d.name)} — ${e(policy)}</h3>`);
    parts.push(chart({ timeline, durationMs: r.durationMs, sizeKiB: d.sizeKiB, swapKiB: d.swapKiB, kills: run.kills.filter((k) => k.domain === d.name) }));
  }
  parts.push(kills(run, multi));
  return parts.join('\n');
}

const LEGEND =
  '<p class="legend"><span><i class="sw" style="background:#4a7fb5"></i>used (processes + kernel)</span><span><i class="sw" style="background:#b9d3ee"></i>page cache</span>' +
  '<span><i class="sw" style="background:#8a4fb5"></i>swap used</span><span><i class="sw" style="background:#d2691e"></i>stall (PSI-like, ms/s)</span>' +
  '<span><i class="sw" style="background:#f4b6b6"></i>critical pressure</span><span><i class="sw" style="background:#c00"></i>policy kill</span><span><i class="sw" style="background:#000"></i>kernel OOM kill</span></p>';

export function htmlReport(r: SimulationResult): string {
  const title = `reapd simulate: ${r.name}`;
  const domains = r.domains.map((d) => `${d.name} (${d.kind}, ${formatKiB(d.sizeKiB)}${d.swapKiB > 0 ? `, swap ${formatKiB(d.swapKiB)}` : ''})`).join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${e(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${e(title)}</h1>`,
    r.description ? `<p>${e(r.description)}</p>` : '',
    `<p>${e(r.kind === 'scenario' ? 'Scenario' : 'Trace')}: ${e(duration(r.durationMs))} in ticks of ${r.tickMs} ms; ${r.processes} processes; ${e(domains)}.</p>`,
    '<h2>Comparison</h2>',
    comparison(r),
    LEGEND,
    ...r.runs.map((run) => runSection(r, run)),
    '</body></html>',
    '',
  ].join('\n');
}
