// The daemon's scan at an event, in this process, on the machine with its 2,000 sleepers:
// the work (CPU time of the process, helper thread included) and the wall time of one
// incremental scan as each policy's daemon configures it, the configurations interleaved
// scan by scan. CPU time is what the scan costs; on a machine other work keeps busy, the
// wall time also holds the waits for a CPU, which is why both are shown.
//   oom-score before issue 18: oom_score, statm and oom_score_adj of every process (needOomScore);
//   oom-score now: statm and oom_score_adj, oom_score read after the decision for the few that can win (scoreOnDemand);
//   lowmemorykiller / lmkd / simple-lmk: oom_score_adj, sizes lazily (lazySizes).
import { KernelProcessSource, type KernelProcessSourceOptions } from '../../src/kernel/source.js';
import { median } from './procstat.js';

export interface ScanWork {
  label: string;
  cpuMs: number[];
  wallMs: number[];
  processes: number;
}

const CONFIGS: Array<[string, KernelProcessSourceOptions]> = [
  ['oom-score before (every oom_score)', { scanMode: 'incremental', needOomScore: true }],
  ['oom-score now (scores on demand)', { scanMode: 'incremental', scoreOnDemand: true }],
  ['lowmemorykiller, lmkd, simple-lmk (lazy sizes)', { scanMode: 'incremental', lazySizes: true }],
];

function cpuMsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function scanWorkRun(rounds: number): Promise<ScanWork[]> {
  const sources = CONFIGS.map(([, o]) => new KernelProcessSource(o));
  const out: ScanWork[] = CONFIGS.map(([label]) => ({ label, cpuMs: [], wallMs: [], processes: 0 }));
  try {
    for (const s of sources) for (let i = 0; i < 5; i++) s.scanSync(); // first sight, fds, first refreshes
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of sources.entries()) {
        await new Promise((res) => setTimeout(res, 50));
        const c0 = cpuMsNow();
        const w0 = performance.now();
        const snap = s.scanSync();
        const w1 = performance.now();
        const c1 = cpuMsNow();
        const o = out[i] as ScanWork;
        o.cpuMs.push(c1 - c0);
        o.wallMs.push(w1 - w0);
        o.processes = snap.processes.length;
      }
    }
  } finally {
    for (const s of sources) s.close();
  }
  return out;
}

export function scanWorkTable(rows: readonly ScanWork[]): string {
  const base = rows[0];
  return [
    '| scan (as the daemon configures it) | processes | scans | CPU ms, median | wall ms, median | CPU ÷ oom-score before |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${r.processes} | ${r.cpuMs.length} | ${median(r.cpuMs).toFixed(2)} | ${median(r.wallMs).toFixed(2)} | ${base ? (median(r.cpuMs) / median(base.cpuMs)).toFixed(2) : '—'}× |`),
  ].join('\n');
}
