// Inline SVG chart of one run in one domain: memory (used, page cache, swap, the domain's
// size) above, PSI-like stall below with critical periods hatched, and every kill a
// vertical line with its label (name and size) in a band above — readable without
// hovering. Drawn for a given width (the HTML shows a wide and a narrow one).
import type { KillEntry, Timeline } from '../results.js';
import { area, f, memTick, memTicks, path, tickAnchor, timeTick, timeTicks } from './axis.js';
import { escapeHtml as e } from './html-escape.js';
import { formatKiB, seconds } from './format.js';
import { spreadLabels, textWidth } from './labels.js';
import { downsample } from './series.js';

const MEM_H = 170;
const PSI_H = 64;
const PAD_L = 58;
const PAD_R = 12;
const GAP = 22;
const FONT = 10;
/** Horizontal room of one rotated label: its line height plus a little air. */
const LABEL_GAP = 12;

interface ChartInput {
  /** Unique within the page: SVG ids (the hatch pattern) derive from it. */
  id: string;
  width: number;
  timeline: Timeline;
  durationMs: number;
  sizeKiB: number;
  swapKiB: number;
  kills: readonly KillEntry[];
  /** data-kill value of each kill, same order as kills. */
  killIds: readonly string[];
}

function killLabel(k: KillEntry): string {
  return `${k.by === 'kernel-oom' ? 'OOM ' : ''}${k.name} ${formatKiB(k.sizeKiB)}`;
}

/** A hatch pattern: critical pressure stays visible in greyscale and print. */
export function hatch(id: string, cls: string): string {
  return `<defs><pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="${cls}-bg"/><line x1="0" y1="0" x2="0" y2="6" class="${cls}-line"/></pattern></defs>`;
}

function killLayer(c: ChartInput, x: (ms: number) => number, plotTop: number, plotBottom: number): string[] {
  const parts: string[] = [];
  const lo = PAD_L + FONT / 2;
  const hi = c.width - PAD_R - 2;
  const pos = spreadLabels(c.kills.map((k) => x(k.atMs)), LABEL_GAP, lo, hi);
  c.kills.forEach((k, i) => {
    const kx = x(k.atMs);
    const lx = pos[i] ?? kx;
    const oom = k.by === 'kernel-oom' ? ' oom' : '';
    const title = `${seconds(k.atMs)}: ${k.by === 'kernel-oom' ? 'kernel OOM killed' : 'killed'} ${k.name} (${k.pid}), adj ${k.oomScoreAdj}, freed ${formatKiB(k.freedKiB)}`;
    parts.push(`<line class="kill${oom}" x1="${f(kx)}" x2="${f(kx)}" y1="${f(plotTop)}" y2="${f(plotBottom)}"><title>${e(title)}</title></line>`);
    parts.push(`<path class="leader${oom}" d="M${f(kx)},${f(plotTop)} L${f(lx)},${f(plotTop - 8)} L${f(lx)},${f(plotTop - 12)}"/>`);
    const ty = plotTop - 15;
    parts.push(
      `<text class="kill-label${oom}" data-kill="${e(c.killIds[i] ?? '')}" transform="translate(${f(lx + FONT / 2 - 1)},${f(ty)}) rotate(-90)">${e(killLabel(k))}<title>${e(title)}</title></text>`,
    );
  });
  return parts;
}

function labelBand(kills: readonly KillEntry[]): number {
  if (kills.length === 0) return 6;
  return Math.ceil(Math.max(...kills.map((k) => textWidth(killLabel(k), FONT)))) + 22;
}

export function chart(c: ChartInput): string {
  const s = downsample(c.timeline);
  const W = c.width;
  const plotW = W - PAD_L - PAD_R;
  const band = labelBand(c.kills);
  const memTop = band;
  const x = (ms: number): number => PAD_L + (plotW * ms) / Math.max(1, c.durationMs);
  const top = Math.max(c.sizeKiB, ...s.swap);
  const yMem = (kib: number): number => memTop + MEM_H - (MEM_H * kib) / Math.max(1, top);
  const psiTop = memTop + MEM_H + GAP;
  const yPsi = (stall: number): number => psiTop + PSI_H - (PSI_H * stall) / 1000;
  const xs = s.times.map(x);
  const stepW = xs.length > 1 ? (xs[1] ?? 0) - (xs[0] ?? 0) : plotW;
  const height = psiTop + PSI_H + 20;
  const hatchId = `hatch-${c.id}`;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="memory and pressure over time, with kills">`);
  parts.push(hatch(hatchId, 'crit'));
  for (const v of memTicks(top)) {
    parts.push(`<line class="grid" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yMem(v))}" y2="${f(yMem(v))}"/>`);
    parts.push(`<text x="${PAD_L - 5}" y="${f(yMem(v) + 3.5)}" class="axis end">${e(memTick(v))}</text>`);
  }
  s.critical.forEach((crit, i) => {
    if (crit) parts.push(`<rect fill="url(#${hatchId})" x="${f(xs[i] ?? 0)}" y="${f(psiTop)}" width="${f(stepW)}" height="${PSI_H}"/>`);
  });
  parts.push(`<path class="cache" d="${area(xs, s.cache.map(yMem), yMem(0))}"/>`);
  parts.push(`<path class="used" d="${area(xs, s.used.map(yMem), yMem(0))}"/>`);
  if (c.swapKiB > 0) parts.push(`<path class="swap" d="${path(xs, s.swap.map(yMem))}"/>`);
  parts.push(`<line class="limit" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yMem(c.sizeKiB))}" y2="${f(yMem(c.sizeKiB))}"/>`);
  for (const v of [0, 500, 1000]) {
    parts.push(`<line class="grid" x1="${PAD_L}" x2="${W - PAD_R}" y1="${f(yPsi(v))}" y2="${f(yPsi(v))}"/>`);
    parts.push(`<text x="${PAD_L - 5}" y="${f(yPsi(v) + 3.5)}" class="axis end">${v}</text>`);
  }
  parts.push(`<path class="stall" d="${path(xs, s.stall.map(yPsi))}"/>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="${memTop}" width="${plotW}" height="${MEM_H}"/>`);
  parts.push(`<text x="${PAD_L + 4}" y="${f(memTop + 12)}" class="axis start">memory</text>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="${f(psiTop)}" width="${plotW}" height="${PSI_H}"/>`);
  parts.push(`<text x="${PAD_L}" y="${f(psiTop - 5)}" class="axis start">stall, ms/s (PSI-like)</text>`);
  for (const t of timeTicks(c.durationMs, plotW)) {
    parts.push(`<line class="tick" x1="${f(x(t))}" x2="${f(x(t))}" y1="${f(psiTop + PSI_H)}" y2="${f(psiTop + PSI_H + 4)}"/>`);
    parts.push(`<text x="${f(x(t))}" y="${f(psiTop + PSI_H + 15)}" class="axis ${tickAnchor(x(t), timeTick(t), W)}">${e(timeTick(t))}</text>`);
  }
  parts.push(...killLayer(c, x, memTop, psiTop + PSI_H));
  parts.push('</svg>');
  return parts.join('\n');
}
