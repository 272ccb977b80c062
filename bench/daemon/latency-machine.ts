// Pressure event → SIGKILL sent on the whole-machine domain — the default config's
// domain — with 2,000 extra processes on the machine, every one of them scanned at each
// event, for every policy. `--min-adj 1000` keeps every process this benchmark did not
// start out of reach: the only candidate is a small hog at adj 1000, started afresh for
// each event.
//   - Threshold policies (oom-score, lowmemorykiller, lmkd's table) act when /proc/meminfo
//     says memory is low: the daemon runs in a private mount namespace (`unshare -m`) with
//     a file bind-mounted over /proc/meminfo, so the benchmark makes memory "low" by
//     rewriting that file, without using any real memory. The event time is the threshold
//     poller's read of the low numbers (triggerAtMs), as for a real crossing.
//   - simple-lmk acts on a PSI event on /proc/pressure/memory: a thrasher (adj 0, so out
//     of reach) reads a 256 MiB file through a 64 MiB v1 memcg until the event fires (real
//     memory stall, as test/cli/run-psi.test.ts makes), then stops. The event time is the
//     PSI fd's poll returning.
// With REAPD_BENCH_BEFORE=DIR (a built checkout of another tree), each policy runs on both
// trees, alternating daemon by daemon, on the same sleepers: before/after side by side.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnHog, withTimeout } from '../../test/helpers/hog.js';
import { memcgV1, type TestCgroup } from '../../test/helpers/cgroup.js';
import { Reapd, shellQuote } from '../../test/cli/run-harness.js';
import { REAPD_BIN, REPO_ROOT } from '../../test/helpers/paths.js';
import { fakeMeminfo as meminfo, needPrivateMounts } from '../../test/helpers/fake-meminfo.js';
import { SLEEPER_AGE_MS, spawnSleepers } from './latency.js';
import { median, percentile } from './procstat.js';

export type MachinePolicy = 'oom-score' | 'lowmemorykiller' | 'lmkd' | 'simple-lmk';
export const MACHINE_POLICIES: readonly MachinePolicy[] = ['oom-score', 'lowmemorykiller', 'lmkd', 'simple-lmk'];

/** A built tree to run: its CLI entry and a label for the table. */
export interface Tree {
  label: string;
  bin: string;
}

export interface MachineLatencyResult {
  policy: MachinePolicy;
  tree: string;
  extraProcesses: number;
  /** Processes on the machine (/proc) at the start of the run: each event scans all of them. */
  onMachine: number;
  scanMs: number[];
  samplesMs: number[];
  /** Events whose kill never came (the hog was gone: another daemon on the machine took it). */
  missed: number;
}

/** Why the machine-domain runs cannot happen here, if they cannot. */
export const machineLatencySkip = needPrivateMounts;

/** This tree, and with REAPD_BENCH_BEFORE the other one. */
export function benchTrees(): Tree[] {
  const before = process.env.REAPD_BENCH_BEFORE;
  const here: Tree = { label: before ? 'after' : 'this tree', bin: REAPD_BIN };
  return before ? [{ label: 'before', bin: join(before, 'dist', 'src', 'cli', 'main.js') }, here] : [here];
}

/** Numbers below the threshold policies' thresholds: 1 % available (oom-score acts below 10 %), free and cache below 256 MiB. */
const LOW = { MemFree: 32 * 1024, MemAvailable: 64 * 1024, Cached: 64 * 1024, Buffers: 0, Shmem: 0, Unevictable: 0, SwapCached: 0 };

const DOMAIN: Record<MachinePolicy, string[]> = {
  'oom-score': ['policy = "oom-score"', 'mem_available = 10', 'swap_free = 10'],
  lowmemorykiller: ['policy = "lowmemorykiller"', 'levels = "256MiB:1000"', 'death_pending = "1s"'],
  lmkd: ['policy = "lmkd"', 'levels = "256MiB:1000"', 'kill_timeout = "100ms"'],
  // Unprivileged PSI triggers need 2 s windows (no CAP_SYS_RESOURCE here).
  'simple-lmk': ['policy = "simple-lmk"', 'minfree = "1MiB"', 'psi_stall = "50ms"', 'psi_window = "2s"'],
};

/** The thrasher of test/cli/run-psi.test.ts and the file it reads, for simple-lmk's PSI events. */
interface Thrash {
  memcg: TestCgroup;
  file: string;
  bin: string;
}

function prepareThrash(): Thrash {
  const src = join(REPO_ROOT, 'test', 'cli', 'run-thrash.c');
  const bin = join(tmpdir(), `reapd-thrash-${createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12)}`);
  if (!existsSync(bin)) execFileSync('cc', ['-O2', '-o', bin, src]);
  const dir = join('/var/tmp', `reapd-bench-psi-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'thrash.dat');
  execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', 'count=256', 'conv=fsync', 'status=none']);
  return { memcg: memcgV1({ limitMiB: 64 }), file, bin };
}

async function dropThrash(t: Thrash): Promise<void> {
  rmSync(join(t.file, '..'), { recursive: true, force: true });
  await t.memcg.remove();
}

function startThrasher(t: Thrash): ChildProcess {
  return spawn('sh', ['-c', `echo $$ > '${t.memcg.path}/cgroup.procs' && exec '${t.bin}' '${t.file}'`], { stdio: 'ignore' });
}

async function stopThrasher(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await withTimeout(gone, 10_000, 'thrasher exit');
}

/**
 * Every policy on one set of sleepers (spawned, exec'd and aged once); per policy,
 * `rounds` daemons of each tree, alternating, each for `iterations` kills.
 */
export async function machineLatencyRuns(
  extraProcesses: number, iterations: number, trees: readonly Tree[] = benchTrees(), rounds = 1,
  /** Run on the aged sleepers before the daemons (the scan's own work, bench/daemon/scan-work.ts). */
  first?: () => Promise<void>,
): Promise<MachineLatencyResult[]> {
  const stopSleepers = await spawnSleepers(extraProcesses);
  const thrash = prepareThrash();
  try {
    await new Promise((r) => setTimeout(r, SLEEPER_AGE_MS));
    await first?.();
    const out: MachineLatencyResult[] = [];
    for (const policy of MACHINE_POLICIES) {
      const byTree = trees.map((t) => ({ policy, tree: t.label, extraProcesses, onMachine: 0, scanMs: [] as number[], samplesMs: [] as number[], missed: 0 }));
      for (let round = 0; round < rounds; round++) {
        for (const [i, t] of trees.entries()) await machineRun(policy, t, iterations, thrash, byTree[i] as MachineLatencyResult);
      }
      out.push(...byTree);
    }
    return out;
  } finally {
    await dropThrash(thrash);
    await stopSleepers();
  }
}

async function machineRun(policy: MachinePolicy, tree: Tree, iterations: number, thrash: Thrash, into: MachineLatencyResult): Promise<void> {
  const reapd = new Reapd();
  const fake = join(reapd.dir, 'meminfo');
  writeFileSync(fake, meminfo());
  const pressure = policy === 'simple-lmk';
  try {
    reapd.start({
      bin: tree.bin,
      config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "machine"', ...DOMAIN[policy], 'reclaim_timeout = "1s"'].join('\n'),
      args: ['--min-adj', '1000'],
      ...(pressure ? {} : { wrap: (argv: string[]) => ['unshare', '-m', 'sh', '-c', `mount --bind ${shellQuote([fake])} /proc/meminfo && exec ${shellQuote(argv)}`] }),
    });
    await reapd.waitForEvent('started', 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // warm-up scans, first refreshes
    into.onMachine = Math.max(into.onMachine, readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).length);
    for (let i = 0; i < iterations; i++) {
      const hog = spawnHog({ mib: 8, oomScoreAdj: 1000, name: 'reapd-bench-mhog' });
      let thrasher: ChildProcess | undefined;
      try {
        await withTimeout(hog.ready, 10_000, 'hog ready');
        // Let a quiet poll (or scan) see the hog (first sight is read in full, as a new process would be long before an event).
        await new Promise((r) => setTimeout(r, 1200));
        const from = reapd.lines.length;
        if (pressure) thrasher = startThrasher(thrash);
        else writeFileSync(fake, meminfo(LOW));
        const kill = await reapd.waitForEvent('kill', 30_000, (l) => l.pid === hog.pid, from).catch(() => undefined);
        writeFileSync(fake, meminfo());
        if (thrasher) await stopThrasher(thrasher);
        if (kill === undefined) {
          into.missed++;
          continue;
        }
        into.samplesMs.push(Number(kill.eventToSignalMs));
        const decision = reapd.lines.slice(from).find((l) => l.event === 'decision' && Array.isArray(l.victims) && l.victims.length > 0);
        into.scanMs.push(Number(decision?.scanMs ?? NaN));
        await withTimeout(hog.exited, 10_000, 'hog exit');
      } finally {
        writeFileSync(fake, meminfo());
        if (thrasher) await stopThrasher(thrasher);
        await hog.kill();
      }
      await new Promise((r) => setTimeout(r, pressure ? 2500 : 1100)); // past death pending, and a PSI window without stall
    }
  } finally {
    await reapd.cleanup();
  }
}

const fmt = (xs: readonly number[], f: (xs: readonly number[]) => number): string => (xs.length > 0 ? f(xs).toFixed(2) : '—');

export function machineLatencyTable(results: readonly MachineLatencyResult[]): string {
  const trees = new Set(results.map((r) => r.tree)).size > 1;
  return [
    `| policy |${trees ? ' tree |' : ''} processes on the machine (all scanned) | kills | missed | event → SIGKILL median ms | p90 ms | max ms | of which the scan, median ms |`,
    `|---|${trees ? '---|' : ''}---|---|---|---|---|---|---|`,
    ...results.map((r) =>
      `| ${r.policy} |${trees ? ` ${r.tree} |` : ''} ${r.onMachine} | ${r.samplesMs.length} | ${r.missed} | ${fmt(r.samplesMs, median)} | ${fmt(r.samplesMs, (x) => percentile(x, 90))} | ` +
        `${fmt(r.samplesMs, (x) => Math.max(...x))} | ${fmt(r.scanMs.filter((x) => Number.isFinite(x)), median)} |`),
  ].join('\n');
}
