// The side-by-side comparison of runs, shared by the text and HTML reports.
import { ADJ_BANDS, type RunResult } from '../results.js';
import { formatKiB, seconds } from './format.js';

interface ComparisonRow {
  metric: string;
  values: string[];
}

export function comparisonRows(runs: readonly RunResult[]): ComparisonRow[] {
  const row = (metric: string, f: (r: RunResult) => string): ComparisonRow => ({ metric, values: runs.map(f) });
  return [
    row('policy kills', (r) => String(r.summary.kills)),
    row('kernel OOM kills', (r) => String(r.summary.kernelOomKills)),
    row('memory freed', (r) => formatKiB(r.summary.freedKiB)),
    row('overshoot', (r) => formatKiB(r.summary.overshootKiB)),
    row('critical pressure', (r) => seconds(r.summary.criticalMs)),
    row('stall (PSI some)', (r) => seconds(r.summary.stallMs)),
    row('reclaim timeouts', (r) => String(r.summary.reclaimTimeouts)),
    ...ADJ_BANDS.map((b) => row(`lost at adj ${b}`, (r) => String(r.summary.lostByBand[b]))),
  ];
}
