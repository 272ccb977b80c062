// Axis ticks and path helpers for the report's inline SVG. Coordinates are printed with
// one decimal, ticks come from fixed step lists: the same run gives the same characters.
import { duration } from './format.js';

export const f = (x: number): string => x.toFixed(1);

export function path(xs: readonly number[], ys: readonly number[]): string {
  return xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${f(x)},${f(ys[i] ?? 0)}`).join(' ');
}

export function area(xs: readonly number[], ys: readonly number[], base: number): string {
  if (xs.length === 0) return '';
  return `${path(xs, ys)} L${f(xs[xs.length - 1] ?? 0)},${f(base)} L${f(xs[0] ?? 0)},${f(base)} Z`;
}

const MIB = 1024;
const GIB = 1024 * 1024;
/** Memory tick steps, KiB: 1-2-4 steps from 16 MiB to 256 GiB (memory sizes are powers of two). */
const MEM_STEPS = [16, 32, 64, 128, 256, 512].map((m) => m * MIB).concat([1, 2, 4, 8, 16, 32, 64, 128, 256].map((g) => g * GIB));
/** Time tick steps, ms: round seconds and minutes. */
const TIME_STEPS = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];

/** "512 MiB", "2 GiB", "1.5 GiB": a tick label without needless decimals. */
export function memTick(kib: number): string {
  if (kib === 0) return '0';
  if (kib >= GIB) return `${Number((kib / GIB).toFixed(2))} GiB`;
  return `${Number((kib / MIB).toFixed(1))} MiB`;
}

export function timeTick(ms: number): string {
  return ms === 0 ? '0' : duration(ms);
}

/** Memory ticks from 0 to top, at most `max` of them after 0. */
export function memTicks(topKiB: number, max = 5): number[] {
  const step = MEM_STEPS.find((s) => topKiB / s <= max) ?? (MEM_STEPS[MEM_STEPS.length - 1] as number);
  const out: number[] = [];
  for (let v = 0; v <= topKiB + 0.5; v += step) out.push(v);
  return out;
}

/** Time ticks from 0 to the end, spaced at least `minPx` apart on a plot `plotW` wide. */
export function timeTicks(durationMs: number, plotW: number, minPx = 64): number[] {
  const maxTicks = Math.max(2, Math.floor(plotW / minPx));
  const step = TIME_STEPS.find((s) => durationMs / s <= maxTicks) ?? Math.ceil(durationMs / maxTicks);
  const out: number[] = [];
  for (let t = 0; t <= durationMs; t += step) out.push(t);
  return out;
}

/** Anchor of a time tick's label: centred, but kept inside the chart at its right edge. */
export function tickAnchor(x: number, label: string, right: number, fontPx = 10): 'mid' | 'end' {
  return x + (label.length * fontPx * 0.58) / 2 > right ? 'end' : 'mid';
}
