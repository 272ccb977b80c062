// `npm run bench -- daemon`: the daemon end to end (docs/performance.md, section "daemon").
//   1. pressure event -> SIGKILL sent, with and without 2,000 extra processes;
//   2. reapd (oom-score) vs earlyoom on the same allocation ramp, same threshold;
//   3. idle wakeups per second and CPU over 60 s (reapd twice, earlyoom);
//   4. RSS under repeated pressure events for 10 minutes.
// REAPD_BENCH_QUICK=1 (or `npm run bench -- daemon --quick`) shortens 4 to 60 s and 1 to
// fewer kills; the section says what ran. Needs root, cgroup v1 memory, cc, unshare.
import { cpus, loadavg, totalmem } from 'node:os';
import type { Benchmark } from './index.js';
import { findEarlyoom } from './daemon/earlyoom.js';
import { idleRun, idleTable, WARMUP_MS } from './daemon/idle.js';
import { latencyRun, latencyTable } from './daemon/latency.js';
import { machineLatencyRuns, machineLatencySkip, machineLatencyTable } from './daemon/latency-machine.js';
import { rampRun, rampTable, type RampRun } from './daemon/ramp.js';
import { rssRun, rssTable } from './daemon/rss.js';
import { needCc, needCgroupV1, needRoot, firstReason } from '../test/helpers/skip.js';

const quick = process.env.REAPD_BENCH_QUICK === '1' || process.argv.includes('--quick');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

async function section<T>(title: string, run: () => Promise<T>, table: (r: T) => string): Promise<string> {
  process.stdout.write(`  ${title} …\n`);
  try {
    return `### ${title}\n\n${table(await run())}\n`;
  } catch (e) {
    return `### ${title}\n\nFailed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`;
  }
}

const bench: Benchmark = {
  name: 'daemon',
  async run(): Promise<string> {
    const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
    const command = `npm run bench -- daemon${quick ? ' --quick' : ''}`;
    // Only what this run observed: the machine's load average at its start and its end
    // (other work on the same cores moves the absolute times; the ratios are side by side).
    const loadBefore = load();
    const header = (): string[] => [
      '## daemon',
      '',
      `Command: \`${command}\` on ${cpus().length} vCPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
        `${new Date().toISOString().slice(0, 10)}; load average (1, 5, 15 min) ${loadBefore} at the start and ${load()} at the end. ` +
        'The side-by-side ratios are the point: every comparison runs in this one run.',
      '',
    ];
    if (skip) return [...header(), `Skipped: ${skip}.`].join('\n');
    const eo = findEarlyoom();
    if (eo.path) process.env.REAPD_EARLYOOM = eo.path;
    const parts: string[] = [];

    const iterations = quick ? 10 : 20;
    parts.push(await section('Pressure event → SIGKILL sent', async () => [
      await latencyRun('none', 0, iterations),
      await latencyRun('machine', 2000, iterations),
      await latencyRun('domain', 2000, iterations),
    ], (r) => [
      'A v1 memcg domain (simple-lmk on its vmpressure-critical and under_oom eventfds, kernel OOM killer disabled); a hog at adj 1000 grows into the limit, ' +
        'reapd scans the domain, decides and kills. Times are the daemon\'s own, from its JSON kill line: `signalAtMs − triggerAtMs` (monotonic clock), ' +
        'and the scan from the decision line (`scanMs`: the incremental scan with lazy sizes, the re-read of the sizes the decision used, ' +
        'and the confirmation of the victims, docs/snapshot-format.md). ' +
        'The 2,000 extra processes are `sleep`s; inside the domain they have all exec\'d and aged a minute before reapd starts ' +
        '(a daemon mostly watches long-lived processes, as in the scan benchmark), and they are scanned at every event. ' +
        'The first events of a run also meet the kernel reclaiming the sleepers\' file pages in the same memcg, on the same 2 cores: the median absorbs them, the p90 and the max do not.',
      '',
      latencyTable(r),
    ].join('\n')));

    const noPrivateMounts = machineLatencySkip();
    if (noPrivateMounts) parts.push(`### Pressure event → SIGKILL sent, the whole machine as the domain\n\nSkipped: ${noPrivateMounts}.\n`);
    else {
      parts.push(await section('Pressure event → SIGKILL sent, the whole machine as the domain', () => machineLatencyRuns(2000, iterations, undefined, 1), (r) => [
        'The default config\'s domain: the whole machine, 2,000 extra `sleep`s on it (exec\'d and aged a minute) and every process on the machine scanned at each event. ' +
          'A threshold policy acts when /proc/meminfo says memory is low: the daemon runs in a private mount namespace with a file bind-mounted over /proc/meminfo, ' +
          'which the benchmark rewrites to low numbers (no real memory is used); `--min-adj 1000` leaves only a small hog at adj 1000, started afresh for each event, ' +
          'within reach. The event is the threshold poller\'s read of the low numbers (`triggerAtMs`), as for a real crossing; simple-lmk\'s is a PSI event ' +
          '(bench/daemon/latency-machine.ts). Goal: ≤ 5 ms.',
        '',
        machineLatencyTable(r),
      ].join('\n')));
    }

    if (eo.path) {
      parts.push(await section(`reapd (oom-score) vs ${eo.version ?? 'earlyoom'} on the same ramp`, async () => {
        const runs: RampRun[] = [];
        for (const rate of [256, 2048]) {
          for (let i = 0; i < 3; i++) {
            for (const killer of ['reapd', 'earlyoom'] as const) {
              // Other processes on the machine may free memory during a run, so that the
              // threshold is never reached: such a run says nothing about the killer; retry it.
              let run = await rampRun(killer, rate);
              for (let retry = 0; retry < 2 && run.outcome === 'no-crossing'; retry++) run = await rampRun(killer, rate);
              runs.push(run);
            }
          }
        }
        return runs;
      }, (runs) => [
        'Threshold: MemAvailable at the start − 1 GiB, given to reapd as `--mem-available` (percent of MemTotal, same value) and to earlyoom as `-M T,T` (SIGKILL at once, no SIGTERM stage); no swap on this machine, so free swap never holds either back. Each killer alone in its own PID namespace with only the ramp hog (adj 1000). Three runs each, alternating; a run in which other processes freed memory so that MemAvailable never reached the threshold ("no-crossing") is retried up to twice. Crossing → kill: from the first 5 ms sample of /proc/meminfo at or below the threshold to the hog\'s death.',
        '',
        rampTable(runs),
      ].join('\n')));
    } else parts.push(`### reapd vs earlyoom on the same ramp\n\nSkipped: ${eo.why}\n`);

    parts.push(await section('Idle: wakeups and CPU over 60 s', () => idleRun(60, eo.path), (r) => [
      `Side by side on the idle machine, measured from ${WARMUP_MS / 1000} s after start (start-up — re-exec, probe, mlock, first scan, V8's first GCs — is not idle time). ` +
        'Wakeups = voluntary context switches summed over every thread (`/proc/PID/task/*/status`); CPU = utime + stime of the process. ' +
        'reapd with self_protect = false also runs without the Node flags (one V8 worker per core: more threads) and without locking its code in memory (less RSS).',
      '',
      idleTable(r),
    ].join('\n')));

    const rssSeconds = quick ? 60 : 600;
    parts.push(await section(`RSS after ${rssSeconds / 60} minute(s) of repeated pressure events`, () => rssRun(rssSeconds), rssTable));
    return [...header(), ...parts].join('\n');
  },
};

export default bench;
