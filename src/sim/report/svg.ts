// Inline SVG charts for the HTML report: memory (used, page cache, swap) and pressure
// (PSI-like stall, critical periods shaded) over time, kills marked. Coordinates are
// printed with one decimal so the same run always gives the same characters.
import type { KillEntry, Timeline } from '../results.js';
import { escapeHtml } from './html-escape.js';
import { formatKiB, seconds } from './format.js';

const W = 900;
const MEM_H = 170;
const PSI_H = 70;
const PAD_L = 70;
const PAD_R = 10;
const GAP = 26;
const MAX_POINTS = 600;

export interface Series {
  times: number[];
  used: number[];
  cache: number[];
  swap: number[];
  stall: number[];
  critical: boolean[];
}

/** Bucket maxima: peaks survive downsampling, and the result is deterministic. */
export function downsample(t: Timeline): Series {
  const n = t.usedKiB.length;
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const s: Series = { times: [], used: [], cache: [], swap: [], stall: [], critical: [] };
  for (let i = 0; i < n; i += step) {
    let used = 0, cache = 0, swap = 0, stall = 0, critical = false;
    for (let j = i; j < Math.min(n, i + step); j++) {
      used = Math.max(used, t.usedKiB[j] ?? 0);
      cache = Math.max(cache, (t.usedKiB[j] ?? 0) + (t.cacheKiB[j] ?? 0));
      swap = Math.max(swap, t.swapKiB[j] ?? 0);
      stall = Math.max(stall, t.stall[j] ?? 0);
      critical ||= t.level[j] === 3;
    }
    s.times.push(i * t.tickMs);
    s.used.push(used);
    s.cache.push(cache);
    s.swap.push(swap);
    s.stall.push(stall);
    s.critical.push(critical);
  }
  return s;
}

const f = (x: number): string => x.toFixed(1);

function path(xs: number[], ys: number[]): string {
  return xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${f(x)},${f(ys[i] ?? 0)}`).join(' ');
}

function area(xs: number[], ys: number[], base: number): string {
  if (xs.length === 0) return '';
  return `${path(xs, ys)} L${f(xs[xs.length - 1] ?? 0)},${f(base)} L${f(xs[0] ?? 0)},${f(base)} Z`;
}

export interface ChartInput {
  timeline: Timeline;
  durationMs: number;
  sizeKiB: number;
  swapKiB: number;
  kills: readonly KillEntry[];
}

export function chart(c: ChartInput): string {
  const s = downsample(c.timeline);
  const plotW = W - PAD_L - PAD_R;
  const x = (ms: number): number => PAD_L + (plotW * ms) / Math.max(1, c.durationMs);
  const top = Math.max(c.sizeKiB, ...s.swap);
  const yMem = (kib: number): number => 10 + MEM_H - (MEM_H * kib) / Math.max(1, top);
  const psiTop = 10 + MEM_H + GAP;
  const yPsi = (stall: number): number => psiTop + PSI_H - (PSI_H * stall) / 1000;
  const xs = s.times.map(x);
  const stepW = xs.length > 1 ? (xs[1] ?? 0) - (xs[0] ?? 0) : plotW;
  const parts: string[] = [];
  const height = psiTop + PSI_H + 24;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img">`);
  s.critical.forEach((crit, i) => {
    if (crit) parts.push(`<rect class="crit" x="${f(xs[i] ?? 0)}" y="${f(psiTop)}" width="${f(stepW)}" height="${PSI_H}"/>`);
  });
  parts.push(`<path class="cache" d="${area(xs, s.cache.map(yMem), yMem(0))}"/>`);
  parts.push(`<path class="used" d="${area(xs, s.used.map(yMem), yMem(0))}"/>`);
  if (c.swapKiB > 0) parts.push(`<path class="swap" d="${path(xs, s.swap.map(yMem))}"/>`);
  parts.push(`<line class="limit" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yMem(c.sizeKiB))}" y2="${f(yMem(c.sizeKiB))}"/>`);
  parts.push(`<path class="stall" d="${path(xs, s.stall.map(yPsi))}"/>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="10" width="${plotW}" height="${MEM_H}"/>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="${f(psiTop)}" width="${plotW}" height="${PSI_H}"/>`);
  parts.push(`<text x="${PAD_L - 6}" y="${f(yMem(c.sizeKiB) + 4)}" class="axis end">${escapeHtml(formatKiB(c.sizeKiB))}</text>`);
  parts.push(`<text x="${PAD_L - 6}" y="${f(yMem(0))}" class="axis end">0</text>`);
  parts.push(`<text x="${PAD_L - 6}" y="${f(psiTop + 10)}" class="axis end">1000 ms/s</text>`);
  parts.push(`<text x="${PAD_L - 6}" y="${f(psiTop + PSI_H)}" class="axis end">stall 0</text>`);
  for (let i = 0; i <= 5; i++) {
    const ms = (c.durationMs * i) / 5;
    const anchor = i === 0 ? 'start' : i === 5 ? 'end' : 'mid';
    parts.push(`<text x="${f(x(ms))}" y="${f(psiTop + PSI_H + 16)}" class="axis ${anchor}">${seconds(ms)}</text>`);
  }
  for (const k of c.kills) {
    const cls = k.by === 'kernel-oom' ? 'kill oom' : 'kill';
    const label = `${seconds(k.atMs)}: ${k.by === 'kernel-oom' ? 'kernel OOM killed' : 'killed'} ${k.name} (${k.pid}), adj ${k.oomScoreAdj}, freed ${formatKiB(k.freedKiB)}`;
    parts.push(`<line class="${cls}" x1="${f(x(k.atMs))}" x2="${f(x(k.atMs))}" y1="10" y2="${f(psiTop + PSI_H)}"><title>${escapeHtml(label)}</title></line>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
