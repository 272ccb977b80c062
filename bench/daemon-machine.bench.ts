// `npm run bench -- daemon-machine`: pressure event → SIGKILL on the whole-machine domain,
// 2,000 extra processes, every policy (bench/daemon/latency-machine.ts) — the part of the
// daemon benchmark that the scan and decision code move, alone (the whole daemon benchmark
// takes over 20 minutes). REAPD_BENCH_BEFORE=DIR (a built checkout of another tree) runs
// that tree too, alternating daemon by daemon: before/after side by side in one run.
// REAPD_BENCH_ROUNDS (default 2) daemons per tree and policy, REAPD_BENCH_KILLS (default 10) kills each.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Benchmark } from './index.js';
import { benchTrees, machineLatencyRuns, machineLatencySkip, machineLatencyTable } from './daemon/latency-machine.js';
import { scanWorkRun, scanWorkTable, type ScanWork } from './daemon/scan-work.js';
import { needCc, needCgroupV1, needPsi, needRoot, firstReason } from '../test/helpers/skip.js';
import { REPO_ROOT } from '../test/helpers/paths.js';

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  } catch {
    return 'not a git checkout';
  }
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

const bench: Benchmark = {
  name: 'daemon-machine',
  async run(): Promise<string> {
    const rounds = Number(process.env.REAPD_BENCH_ROUNDS ?? 2);
    const kills = Number(process.env.REAPD_BENCH_KILLS ?? 10);
    const before = process.env.REAPD_BENCH_BEFORE;
    const command = `${before ? `REAPD_BENCH_BEFORE=${before} ` : ''}npm run bench -- daemon-machine`;
    const header = ['## Pressure event → SIGKILL, the whole machine as the domain, every policy', ''];
    const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc(), needPsi(), machineLatencySkip());
    if (skip) return [...header, `Command: \`${command}\`. Skipped: ${skip}.`].join('\n');
    const loadBefore = load();
    const startedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
    let work: ScanWork[] = [];
    const results = await machineLatencyRuns(2000, kills, benchTrees(), rounds, async () => {
      work = await scanWorkRun(30);
    });
    const trees = before ? [`before: ${before} (${commitOf(before)})`, `after: this tree (${commitOf(REPO_ROOT)})`] : [`this tree (${commitOf(REPO_ROOT)})`];
    return [
      ...header,
      `Command: \`${command}\`, started ${startedAt} UTC on ${cpus().length} vCPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
        `load average (1, 5, 15 min) ${loadBefore} at the start and ${load()} at the end. Trees: ${trees.join('; ')}.`,
      '',
      'The default config\'s domain: the whole machine, 2,000 extra `sleep`s on it (exec\'d and aged a minute) and every process on the machine scanned at each event; ' +
        '`--min-adj 1000` leaves only a small hog at adj 1000, started afresh for each event, within reach. ' +
        'Threshold policies (oom-score, lowmemorykiller, lmkd\'s table) see low memory in a /proc/meminfo bind-mounted over the real one in the daemon\'s mount namespace (no real memory is used); ' +
        'the event is the threshold poller\'s read of the low numbers (`triggerAtMs`). simple-lmk\'s event is a PSI trigger on /proc/pressure/memory (2 s window, 50 ms stall) fired by a thrasher re-reading a 256 MiB file through a 64 MiB memcg. ' +
        `Times are the daemon's own (\`eventToSignalMs\`; the scan from the decision line's \`scanMs\`). Per policy, ${rounds} daemon(s) of each tree, alternating, ${kills} kills each; ` +
        '"missed": events whose kill never came within 30 s. Goal (issue 18): ≤ 5 ms.',
      '',
      machineLatencyTable(results),
      '',
      '### The scan alone, in the benchmark\'s process',
      '',
      'On the same machine and sleepers, before the daemons: one incremental scan of every process on the machine as each policy\'s daemon configures its source ' +
        '(this tree\'s KernelProcessSource; "oom-score before" is the configuration the daemon used for oom-score before issue 18, still available as needOomScore), ' +
        'the configurations interleaved scan by scan, 50 ms apart. CPU = user + system time of the process (the scan helper thread included); wall = the scan\'s duration.',
      '',
      scanWorkTable(work),
    ].join('\n');
  },
};

export default bench;
