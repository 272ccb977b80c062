// Pressure event → SIGKILL sent on the whole-machine domain — the default config's
// domain — with 2,000 extra processes on the machine, every one of them scanned at each
// event. A threshold policy acts when /proc/meminfo says memory is low; the daemon runs in
// a private mount namespace (`unshare -m`) with a file bind-mounted over /proc/meminfo,
// so the benchmark makes memory "low" by rewriting that file, without using any real
// memory. `--min-adj 1000` keeps every process this benchmark did not start out of reach:
// the only candidate is a small hog at adj 1000, started afresh for each event. The event
// time is the threshold poller's read of the low numbers (triggerAtMs), as for a real
// crossing. Policies: oom-score (the default config: oom_score of every process is read
// at each event) and lowmemorykiller (the same table walk as lmkd, with lazy sizes).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnHog, withTimeout } from '../../test/helpers/hog.js';
import { Reapd, shellQuote } from '../../test/cli/run-harness.js';
import { fakeMeminfo as meminfo, needPrivateMounts } from '../../test/helpers/fake-meminfo.js';
import { SLEEPER_AGE_MS, spawnSleepers } from './latency.js';
import { median, percentile } from './procstat.js';

export type MachinePolicy = 'oom-score' | 'lowmemorykiller';

export interface MachineLatencyResult {
  policy: MachinePolicy;
  extraProcesses: number;
  /** Processes on the machine (/proc) at the start of the run: each event scans all of them. */
  onMachine: number;
  scanMs: number[];
  samplesMs: number[];
}

/** Why the machine-domain runs cannot happen here, if they cannot. */
export const machineLatencySkip = needPrivateMounts;

/** Numbers below both policies' thresholds: 1 % available (oom-score acts below 10 %), free and cache below 256 MiB. */
const LOW = { MemFree: 32 * 1024, MemAvailable: 64 * 1024, Cached: 64 * 1024, Buffers: 0, Shmem: 0, Unevictable: 0, SwapCached: 0 };

const DOMAIN: Record<MachinePolicy, string[]> = {
  'oom-score': ['policy = "oom-score"', 'mem_available = 10', 'swap_free = 10'],
  lowmemorykiller: ['policy = "lowmemorykiller"', 'levels = "256MiB:1000"', 'death_pending = "1s"'],
};

/** Runs both policies on one set of sleepers (spawned, exec'd and aged once). */
export async function machineLatencyRuns(extraProcesses: number, iterations: number): Promise<MachineLatencyResult[]> {
  const stopSleepers = await spawnSleepers(extraProcesses);
  try {
    await new Promise((r) => setTimeout(r, SLEEPER_AGE_MS));
    const out: MachineLatencyResult[] = [];
    for (const policy of ['oom-score', 'lowmemorykiller'] as const) out.push(await machineRun(policy, extraProcesses, iterations));
    return out;
  } finally {
    await stopSleepers();
  }
}

async function machineRun(policy: MachinePolicy, extraProcesses: number, iterations: number): Promise<MachineLatencyResult> {
  const reapd = new Reapd();
  const fake = join(reapd.dir, 'meminfo');
  writeFileSync(fake, meminfo());
  try {
    reapd.start({
      config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "machine"', ...DOMAIN[policy], 'reclaim_timeout = "1s"'].join('\n'),
      args: ['--min-adj', '1000'],
      wrap: (argv) => ['unshare', '-m', 'sh', '-c', `mount --bind ${shellQuote([fake])} /proc/meminfo && exec ${shellQuote(argv)}`],
    });
    await reapd.waitForEvent('started', 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // warm-up scans, first refreshes
    const samplesMs: number[] = [];
    const scanMs: number[] = [];
    const onMachine = readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).length;
    for (let i = 0; i < iterations; i++) {
      const hog = spawnHog({ mib: 8, oomScoreAdj: 1000, name: 'reapd-bench-mhog' });
      try {
        await withTimeout(hog.ready, 10_000, 'hog ready');
        // Let a quiet poll see the hog (first sight is read in full, as a new process would be long before an event).
        await new Promise((r) => setTimeout(r, 1200));
        const from = reapd.lines.length;
        writeFileSync(fake, meminfo(LOW));
        const kill = await reapd.waitForEvent('kill', 30_000, (l) => l.pid === hog.pid, from);
        writeFileSync(fake, meminfo());
        samplesMs.push(Number(kill.eventToSignalMs));
        const decision = reapd.lines.slice(from).find((l) => l.event === 'decision' && Array.isArray(l.victims) && l.victims.length > 0);
        scanMs.push(Number(decision?.scanMs ?? NaN));
        await withTimeout(hog.exited, 10_000, 'hog exit');
      } finally {
        writeFileSync(fake, meminfo());
        await hog.kill();
      }
      await new Promise((r) => setTimeout(r, 1100)); // past lowmemorykiller's death pending
    }
    return { policy, extraProcesses, onMachine, scanMs, samplesMs };
  } finally {
    await reapd.cleanup();
  }
}

export function machineLatencyTable(results: readonly MachineLatencyResult[]): string {
  return [
    '| policy | processes on the machine (all scanned) | kills | event → SIGKILL median ms | p90 ms | max ms | of which the scan, median ms |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) =>
      `| ${r.policy} | ${r.onMachine} | ${r.samplesMs.length} | ${median(r.samplesMs).toFixed(2)} | ${percentile(r.samplesMs, 90).toFixed(2)} | ${Math.max(...r.samplesMs).toFixed(2)} | ${median(r.scanMs).toFixed(2)} |`),
  ].join('\n');
}
