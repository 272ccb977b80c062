// Idle cost: wakeups per second (voluntary context switches of every thread: each is a
// sleep that some event ended) and CPU over 60 s, daemons started side by side on the
// idle machine. reapd twice: its default configuration (oom-score: the adaptive poller,
// earlyoom's cadence) and simple-lmk on a PSI trigger (event-driven: no periodic wakeup),
// both with --dry-run so nothing can ever be killed; earlyoom --dryrun with its defaults.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_DEFAULT_PATH } from '../../src/config/load.js';
import { REAPD_BIN } from '../../test/helpers/paths.js';
import { fmt, sampleProcess, sleep, type ProcSample } from './procstat.js';

export interface IdleResult {
  name: string;
  seconds: number;
  wakeupsPerSecond: number;
  involuntaryPerSecond: number;
  cpuPercent: number;
  rssKiB: number;
  rssAnonKiB: number;
  threads: number;
}

/** Start-up work (and V8's post-start GC, seen ~10 s in) is over by then. */
export const WARMUP_MS = 20_000;

/** The embedded default with self_protect = false, in a temp file. */
function selfProtectOff(): string {
  const text = readFileSync(EMBEDDED_DEFAULT_PATH, 'utf8').replace('self_protect = true', 'self_protect = false');
  const path = join(mkdtempSync(join(tmpdir(), 'reapd-idle-')), 'reapd.toml');
  writeFileSync(path, text);
  return path;
}

interface Daemon {
  name: string;
  child: ChildProcess;
}

function start(name: string, argv: string[]): Daemon {
  const child = spawn(argv[0] ?? 'false', argv.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
  return { name, child };
}

export async function idleRun(seconds: number, earlyoom: string | undefined): Promise<IdleResult[]> {
  const reapd = (name: string, extra: string[]): Daemon =>
    start(name, [process.execPath, REAPD_BIN, 'run', '--dry-run', '--journal', '', '--socket', '', ...extra]);
  const daemons: Daemon[] = [
    reapd('reapd, default config (oom-score, adaptive poll)', []),
    reapd('reapd, simple-lmk on PSI (events only)', ['--policy', 'simple-lmk', '--min-adj', '1000']),
    reapd('reapd, default config, self_protect = false', ['--config', selfProtectOff()]),
  ];
  if (earlyoom) daemons.push(start('earlyoom -m 10 -s 10 (defaults)', [earlyoom, '--dryrun', '-r', '0']));
  try {
    await sleep(WARMUP_MS); // start-up (re-exec, probe, mlock, first scan, V8's first GCs) is not idle time
    const before = new Map<Daemon, ProcSample>(daemons.map((d) => [d, sampleProcess(d.child.pid ?? 0)]));
    await sleep(seconds * 1000);
    return daemons.map((d) => {
      const a = before.get(d) as ProcSample;
      const b = sampleProcess(d.child.pid ?? 0);
      return {
        name: d.name,
        seconds,
        wakeupsPerSecond: (b.voluntary - a.voluntary) / seconds,
        involuntaryPerSecond: (b.nonvoluntary - a.nonvoluntary) / seconds,
        cpuPercent: ((b.cpuSeconds - a.cpuSeconds) / seconds) * 100,
        rssKiB: b.rssKiB,
        rssAnonKiB: b.rssAnonKiB,
        threads: b.threads,
      };
    });
  } finally {
    for (const d of daemons) {
      const exited = new Promise((r) => d.child.once('exit', r));
      if (d.child.exitCode === null) d.child.kill(d.name.startsWith('earlyoom') ? 'SIGKILL' : 'SIGTERM');
      await Promise.race([exited, sleep(8000).then(() => d.child.kill('SIGKILL'))]);
    }
  }
}

export function idleTable(results: readonly IdleResult[]): string {
  return [
    '| daemon | wakeups/s (voluntary switches, all threads) | involuntary/s | CPU % | RSS MiB | of which anon MiB | threads |',
    '|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.name} | ${fmt(r.wakeupsPerSecond, 2)} | ${fmt(r.involuntaryPerSecond, 2)} | ${fmt(r.cpuPercent, 3)} | ${fmt(r.rssKiB / 1024)} | ${fmt(r.rssAnonKiB / 1024)} | ${r.threads} |`),
  ].join('\n');
}
