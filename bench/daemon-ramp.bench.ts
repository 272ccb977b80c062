// `npm run bench -- daemon-ramp`: the allocation ramp of the daemon benchmark
// (bench/daemon/ramp.ts: reapd with oom-score and earlyoom at the same available-memory
// level, each alone in a PID namespace with the ramp hog) alone, and with
// REAPD_BENCH_BEFORE=DIR another built tree too: before, after and earlyoom alternate run
// by run. REAPD_BENCH_RAMP_RUNS (default 5) runs per killer and rate.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './index.js';
import { findEarlyoom } from './daemon/earlyoom.js';
import { rampRun, type RampRun } from './daemon/ramp.js';
import { median } from './daemon/procstat.js';
import { needRoot, firstReason } from '../test/helpers/skip.js';
import { REAPD_BIN, REPO_ROOT } from '../test/helpers/paths.js';

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  } catch {
    return 'not a git checkout';
  }
}

interface Killer {
  label: string;
  kind: RampRun['killer'];
  bin?: string;
}

function table(runs: ReadonlyArray<RampRun & { label: string }>, killers: readonly Killer[]): string {
  const lines = [
    '| ramp | killer | runs | crossing → kill, median ms | each run, ms | overshoot below threshold, median MiB | ÷ earlyoom |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const rate of [...new Set(runs.map((r) => r.rateMiBps))]) {
    const med = (label: string): number => median(runs.filter((r) => r.rateMiBps === rate && r.label === label && r.latencyMs !== null).map((r) => r.latencyMs as number));
    for (const k of killers) {
      const rs = runs.filter((r) => r.rateMiBps === rate && r.label === k.label);
      const each = rs.map((r) => (r.latencyMs === null ? r.outcome : r.latencyMs.toFixed(0))).join(', ');
      const crossed = rs.filter((r) => r.outcome !== 'no-crossing');
      const ratio = med(k.label) / med('earlyoom');
      lines.push(`| ${rate} MiB/s | ${k.label} | ${rs.length} | ${med(k.label).toFixed(0)} | ${each} | ${median(crossed.map((r) => r.overshootMiB)).toFixed(0)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—'} |`);
    }
  }
  return lines.join('\n');
}

const bench: Benchmark = {
  name: 'daemon-ramp',
  async run(): Promise<string> {
    const before = process.env.REAPD_BENCH_BEFORE;
    const n = Number(process.env.REAPD_BENCH_RAMP_RUNS ?? 5);
    const command = `${before ? `REAPD_BENCH_BEFORE=${before} ` : ''}npm run bench -- daemon-ramp`;
    const header = ['## Crossing → kill on a ramp: reapd (oom-score) vs earlyoom', ''];
    const eo = findEarlyoom();
    const skip = firstReason(needRoot(), eo.path ? undefined : eo.why);
    if (skip) return [...header, `Command: \`${command}\`. Skipped: ${skip}.`].join('\n');
    process.env.REAPD_EARLYOOM = eo.path;
    const killers: Killer[] = [
      ...(before ? [{ label: 'reapd before', kind: 'reapd' as const, bin: join(before, 'dist', 'src', 'cli', 'main.js') }] : []),
      { label: before ? 'reapd after' : 'reapd', kind: 'reapd', bin: REAPD_BIN },
      { label: 'earlyoom', kind: 'earlyoom' },
    ];
    const loadBefore = load();
    const startedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const runs: Array<RampRun & { label: string }> = [];
    for (const rate of [256, 2048]) {
      for (let i = 0; i < n; i++) {
        for (const k of killers) {
          let run = await rampRun(k.kind, rate, k.bin);
          for (let retry = 0; retry < 2 && run.outcome === 'no-crossing'; retry++) run = await rampRun(k.kind, rate, k.bin);
          runs.push({ ...run, label: k.label });
        }
      }
    }
    const trees = before ? `before: ${before} (${commitOf(before)}); after: this tree (${commitOf(REPO_ROOT)})` : `this tree (${commitOf(REPO_ROOT)})`;
    return [
      ...header,
      `Command: \`${command}\`, started ${startedAt} UTC on ${cpus().length} vCPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
        `load average (1, 5, 15 min) ${loadBefore} at the start and ${load()} at the end. Trees: ${trees}; ${eo.version ?? 'earlyoom'} (-M T,T -s 100,100 -r 0).`,
      '',
      `Threshold T: MemAvailable just before each killer starts − 1 GiB, given to reapd as \`--mem-available\` (percent of MemTotal) and to earlyoom as \`-M T,T\`. ` +
        `Each killer alone in its own PID namespace with only the ramp hog (adj 1000), ${n} runs per killer and rate, the killers alternating run by run; ` +
        'a run in which MemAvailable never reached T ("no-crossing") is retried up to twice. Crossing → kill: from the first 5 ms sample of /proc/meminfo at or below T to the hog\'s death.',
      '',
      table(runs, killers),
    ].join('\n');
  },
};

export default bench;
