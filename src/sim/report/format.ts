// Fixed number formatting for every report: the same input gives the same characters.
import { formatKiB } from '../../model/units.js';

export { formatKiB };

/** Milliseconds as seconds with one decimal: "88.8 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A duration for headings: "5 min", "1 h 30 min", "45 s", "250 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return [h ? `${h} h` : '', min ? `${min} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ');
}

function padEnd(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padStart(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** A plain-text table; align has one letter per column, "l" or "r" (default: first l, rest r). */
export function table(rows: readonly (readonly string[])[], align = ''): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const left = (i: number): boolean => (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l';
  return rows.map((r) =>
    r
      .map((c, i) => (left(i) ? padEnd(c, widths[i] ?? 0) : padStart(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
