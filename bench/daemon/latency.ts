// Pressure event -> SIGKILL sent, with no extra processes, with 2,000 extra processes on
// the machine (outside the domain: a memcg domain scans only its own cgroup), and with
// 2,000 extra processes inside the domain (every one of them scanned at each event).
// A v1 memcg with the kernel's OOM killer disabled; reapd guards it with simple-lmk on its
// vmpressure-critical / under_oom eventfds; a hog at adj 1000 grows into the limit, the
// event fires, reapd scans the domain (every process in it), decides, and kills. The kill
// log line carries the trigger event's time and the signal's (eventToSignalMs, both on
// the daemon's monotonic clock), so the figure is the daemon's own, end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { memcgV1, type TestCgroup } from '../../test/helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout } from '../../test/helpers/hog.js';
import { Reapd } from '../../test/cli/run-harness.js';
import { median, percentile } from './procstat.js';

export type Placement = 'none' | 'machine' | 'domain';

/** How long the sleepers inside the domain age before reapd starts (see latencyRun). */
export const SLEEPER_AGE_MS = Number(process.env.REAPD_BENCH_SLEEPER_AGE_MS ?? 61_000);

export interface LatencyResult {
  placement: Placement;
  extraProcesses: number;
  /** The scan behind each decision, ms (from the decision log's scanMs). */
  scanMs: number[];
  /** Processes the daemon screened per reclaim (candidates + skipped), from its decision log. */
  scanned: number;
  samplesMs: number[];
}

function execedSleep(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n';
  } catch {
    return true; // gone: nothing left to wait for
  }
}

/** N `sleep` processes, children of one shell (in the memcg when given); returns a stop function. */
export async function spawnSleepers(n: number, memcg?: TestCgroup): Promise<() => Promise<void>> {
  const join = memcg ? `echo $$ > '${memcg.path}/cgroup.procs'; ` : '';
  const script = `${join}i=0; while [ $i -lt ${n} ]; do sleep 100000 & i=$((i+1)); done; echo ready; wait`;
  const child: ChildProcess = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.includes('ready'), 120_000, `${n} sleepers`, 50);
  const pid = child.pid ?? 0;
  const sleepers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  // "ready" comes once every child is forked, not once each has exec'd `sleep`: let them
  // all get there, so that no event meets a crowd of processes still starting up.
  await waitFor(() => sleepers.every(execedSleep), 120_000, `${n} sleepers exec'd`, 50);
  return async () => {
    // Only the sleepers this shell started, by pid; then the shell.
    for (const s of sleepers) {
      try {
        process.kill(s, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    if (memcg) await waitFor(() => memcg.pids().length === 0, 30_000, 'sleepers gone', 50);
  };
}

export async function latencyRun(placement: Placement, extraProcesses: number, iterations: number): Promise<LatencyResult> {
  const memcg = memcgV1({ oomKillDisable: true });
  const reapd = new Reapd();
  let stopSleepers: (() => Promise<void>) | undefined;
  try {
    if (placement !== 'none') stopSleepers = await spawnSleepers(extraProcesses, placement === 'domain' ? memcg : undefined);
    // A daemon mostly watches long-lived processes, and reapd's scanner treats a process
    // first seen older than a minute as settled (docs/snapshot-format.md), as the scan
    // benchmark does: let the domain's sleepers age a minute before reapd starts.
    if (placement === 'domain') await new Promise((r) => setTimeout(r, SLEEPER_AGE_MS));
    const usageMiB = Math.ceil(Number(memcg.read('memory.usage_in_bytes')) / 2 ** 20);
    memcg.write('memory.limit_in_bytes', String((usageMiB + 160) * 2 ** 20));
    reapd.start({
      config: [
        '[daemon]', 'socket = ""',
        '[[domain]]', 'name = "bench"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "1MiB"', 'reclaim_timeout = "1s"',
      ].join('\n'),
    });
    await reapd.waitForEvent('started', 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // the domain's one warm-up scan
    const samplesMs: number[] = [];
    const scanMs: number[] = [];
    let scanned = 0;
    for (let i = 0; i < iterations; i++) {
      const from = reapd.lines.length;
      const hog = spawnHog({ mib: 256, stepMiB: 32, stepMs: 10, oomScoreAdj: 1000, cgroups: [memcg.path], name: 'reapd-bench-hog' });
      const kill = await reapd.waitForEvent('kill', 30_000, (l) => l.pid === hog.pid, from);
      samplesMs.push(Number(kill.eventToSignalMs));
      const decision = reapd.lines.slice(from).find((l) => l.event === 'decision' && Array.isArray(l.victims) && l.victims.length > 0);
      scanned = Number(decision?.candidates ?? 0) + Number(decision?.skipped ?? 0);
      scanMs.push(Number(decision?.scanMs ?? NaN));
      await withTimeout(hog.exited, 10_000, 'hog exit');
      await new Promise((r) => setTimeout(r, 200));
    }
    return { placement, extraProcesses: placement === 'none' ? 0 : extraProcesses, scanMs, scanned, samplesMs };
  } finally {
    await reapd.cleanup();
    await stopSleepers?.();
    await memcg.remove();
  }
}

const WHERE: Record<Placement, string> = { none: 'none', machine: 'on the machine, outside the domain', domain: 'inside the domain' };

export function latencyTable(results: readonly LatencyResult[]): string {
  const rows = results.map((r) =>
    `| ${r.extraProcesses} ${WHERE[r.placement]} | ${r.scanned} | ${r.samplesMs.length} | ${median(r.samplesMs).toFixed(2)} | ${percentile(r.samplesMs, 90).toFixed(2)} | ` +
      `${Math.max(...r.samplesMs).toFixed(2)} | ${median(r.scanMs).toFixed(2)} |`);
  const base = results.find((r) => r.placement === 'none');
  const ratios = results.filter((r) => r !== base).map((r) => `${WHERE[r.placement]}: **${(median(r.samplesMs) / median(base?.samplesMs ?? [])).toFixed(2)}×**`);
  return [
    '| extra processes | processes screened per reclaim | kills | event → SIGKILL median ms | p90 ms | max ms | of which the scan, median ms |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Median relative to no extra processes — ${ratios.join('; ')}. Goal: ≤ 10 ms.`,
    '',
    ...results.filter((r) => r.scanned > 100).map((r) => {
      const scan = median(r.scanMs);
      const total = median(r.samplesMs);
      return `With ${r.scanned} processes in the domain the scan takes ${scan.toFixed(1)} of the ${total.toFixed(1)} ms ` +
        `(${((scan * 1000) / r.scanned).toFixed(1)} µs per process, KernelProcessSource); decide + kill hand-off + SIGKILL take the other ${(total - scan).toFixed(1)} ms.`;
    }),
  ].join('\n');
}
