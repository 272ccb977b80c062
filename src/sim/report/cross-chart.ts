// One chart for every run of a domain on one time axis: memory headroom (the domain's
// size minus what processes and the kernel use; page cache counts as headroom, the kernel
// reclaims it) as one line per run, then per run a strip of its PSI-like stall with
// critical pressure hatched and a tick at each kill. Runs differ by colour *and* dash
// pattern, so the chart survives greyscale printing.
import type { RunResult } from '../results.js';
import { area, f, memTick, memTicks, path, tickAnchor, timeTick, timeTicks } from './axis.js';
import { escapeHtml as e } from './html-escape.js';
import { downsample } from './series.js';
import { hatch } from './svg.js';

const PAD_L = 58;
const PAD_R = 12;
const HEAD_H = 180;
const STRIP_H = 16;
const STRIP_LABEL = 13;
const STRIP_GAP = 6;

/** Colour and dash per run index: colours of distinct lightness, dashes distinct in grey. */
const RUN_STYLES: ReadonlyArray<{ colour: string; dash: string }> = [
  { colour: '#000000', dash: '' },
  { colour: '#d95f02', dash: '7 3' },
  { colour: '#1b7837', dash: '2 2' },
  { colour: '#7570b3', dash: '9 3 2 3' },
  { colour: '#a6761d', dash: '1 3' },
  { colour: '#e7298a', dash: '12 2' },
  { colour: '#1f78b4', dash: '5 2 1 2 1 2' },
  { colour: '#666666', dash: '4 4' },
  { colour: '#b2182b', dash: '14 3 3 3' },
  { colour: '#35978f', dash: '3 1' },
];

function runStyle(i: number): { colour: string; dash: string } {
  return RUN_STYLES[i % RUN_STYLES.length] as { colour: string; dash: string };
}

function strokeAttrs(i: number, width: number): string {
  const st = runStyle(i);
  return `stroke="${st.colour}" stroke-width="${width}" fill="none"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}`;
}

/** A short line in a run's style, for legends. */
export function runSwatch(i: number): string {
  return `<svg class="swatch" width="30" height="10" viewBox="0 0 30 10" aria-hidden="true"><line x1="1" y1="5" x2="29" y2="5" ${strokeAttrs(i, 2.2)}/></svg>`;
}

interface CrossChartInput {
  id: string;
  width: number;
  domain: string;
  sizeKiB: number;
  durationMs: number;
  runs: readonly RunResult[];
}

export function crossChart(c: CrossChartInput): string {
  const W = c.width;
  const plotW = W - PAD_L - PAD_R;
  const x = (ms: number): number => PAD_L + (plotW * ms) / Math.max(1, c.durationMs);
  const yHead = (kib: number): number => 8 + HEAD_H - (HEAD_H * Math.max(0, kib)) / Math.max(1, c.sizeKiB);
  const stripsTop = 8 + HEAD_H + 26;
  const rowH = STRIP_LABEL + STRIP_H + STRIP_GAP;
  const height = stripsTop + rowH * c.runs.length + 4;
  const hatchId = `hatch-${c.id}`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="memory headroom and pressure of every run in ${e(c.domain)}">`,
    hatch(hatchId, 'crit'),
  ];
  for (const v of memTicks(c.sizeKiB)) {
    parts.push(`<line class="grid" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yHead(v))}" y2="${f(yHead(v))}"/>`);
    parts.push(`<text x="${PAD_L - 5}" y="${f(yHead(v) + 3.5)}" class="axis end">${e(memTick(v))}</text>`);
  }
  const ticks = timeTicks(c.durationMs, plotW);
  c.runs.forEach((run, i) => {
    const t = run.timelines.get(c.domain);
    if (!t) return;
    const s = downsample(t);
    const xs = s.times.map(x);
    parts.push(`<path class="headroom" data-run="${e(run.label)}" ${strokeAttrs(i, 1.6)} d="${path(xs, s.used.map((u) => yHead(c.sizeKiB - u)))}"/>`);
    const top = stripsTop + i * rowH;
    const sy = top + STRIP_LABEL;
    const yStall = (v: number): number => sy + STRIP_H - (STRIP_H * v) / 1000;
    const stepW = xs.length > 1 ? (xs[1] ?? 0) - (xs[0] ?? 0) : plotW;
    parts.push(`<line x1="${PAD_L}" x2="${PAD_L + 26}" y1="${f(top + 5)}" y2="${f(top + 5)}" ${strokeAttrs(i, 2.2)}/>`);
    parts.push(`<text x="${PAD_L + 31}" y="${f(top + 9)}" class="axis start strip-label">${e(run.label)}</text>`);
    s.critical.forEach((crit, j) => {
      if (crit) parts.push(`<rect fill="url(#${hatchId})" x="${f(xs[j] ?? 0)}" y="${f(sy)}" width="${f(stepW)}" height="${STRIP_H}"/>`);
    });
    parts.push(`<path class="stall-area" d="${area(xs, s.stall.map(yStall), sy + STRIP_H)}"/>`);
    parts.push(`<rect class="frame" x="${PAD_L}" y="${f(sy)}" width="${plotW}" height="${STRIP_H}"/>`);
    for (const k of run.kills.filter((kk) => kk.domain === c.domain)) {
      const kx = x(k.atMs);
      parts.push(`<path class="kill-tick${k.by === 'kernel-oom' ? ' oom' : ''}" d="M${f(kx - 3.5)},${f(sy)} L${f(kx + 3.5)},${f(sy)} L${f(kx)},${f(sy + 7)} Z"/>`);
    }
  });
  parts.push(`<line class="limit" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yHead(c.sizeKiB))}" y2="${f(yHead(c.sizeKiB))}"/>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="8" width="${plotW}" height="${HEAD_H}"/>`);
  const axisY = 8 + HEAD_H;
  for (const t of ticks) {
    parts.push(`<line class="tick" x1="${f(x(t))}" x2="${f(x(t))}" y1="${f(axisY)}" y2="${f(axisY + 4)}"/>`);
    parts.push(`<text x="${f(x(t))}" y="${f(axisY + 15)}" class="axis ${tickAnchor(x(t), timeTick(t), W)}">${e(timeTick(t))}</text>`);
  }
  parts.push(`<text x="${PAD_L + 4}" y="20" class="axis start">memory headroom</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
