// reapd (oom-score) vs earlyoom on the same allocation ramp, both set to act at the same
// available-memory level. Each killer runs ALONE, inside its own PID namespace
// (`unshare -p -f --mount-proc`), so the only process it can see — and kill — is the ramp
// hog started in that namespace: nothing else on the machine is ever at risk, whatever
// either killer decides. /proc/meminfo is not namespaced, so the threshold is the real
// machine's MemAvailable.
//
// The ramp is bounded and safe: threshold T = MemAvailable now − 1 GiB; the hog (adj 1000)
// grows at a fixed rate to 1 GiB + a margin and then stops, whoever acts. The benchmark
// samples /proc/meminfo every 5 ms: "crossing" is the first sample at or below T, "kill"
// the moment the hog's stdout closes (it died), "overshoot" how far MemAvailable fell
// below T (the peak memory use beyond the threshold).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hogBinary } from '../../test/helpers/hog.js';
import { REAPD_BIN } from '../../test/helpers/paths.js';
import { meminfoKiB, median, sleep } from './procstat.js';

export interface RampRun {
  killer: 'reapd' | 'earlyoom';
  rateMiBps: number;
  /** Threshold crossing -> hog dead, ms (null: see outcome). */
  latencyMs: number | null;
  /** killed; no-kill: crossed but the hog lived to the end of the ramp; no-crossing: other
   * processes freed memory meanwhile, so MemAvailable never reached the threshold. */
  outcome: 'killed' | 'no-kill' | 'no-crossing';
  /** MemAvailable below the threshold at its lowest, MiB. */
  overshootMiB: number;
  /** The hog's last reported allocation, MiB. */
  peakHogMiB: number;
  /** Which reapd tree ran (the CLI entry), when not this one. */
  bin?: string;
}

const GIB_KIB = 1024 * 1024;

/** The namespace's init: the child of `unshare -f`. */
async function nsInit(unsharePid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    try {
      const kids = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(/\s+/)[0]);
    } catch {
      /* not yet */
    }
    await sleep(10);
  }
  throw new Error('no namespace init found');
}

function startKiller(killer: RampRun['killer'], thresholdKiB: number, totalKiB: number, bin = REAPD_BIN): { child: ChildProcess; ready: Promise<void> } {
  const argv = killer === 'earlyoom'
    ? [process.env.REAPD_EARLYOOM ?? 'earlyoom', '-M', `${thresholdKiB},${thresholdKiB}`, '-s', '100,100', '-r', '0']
    : [process.execPath, bin, 'run', '--policy', 'oom-score', '--mem-available', ((thresholdKiB * 100) / totalKiB).toFixed(6),
      '--swap-free', '100', '--min-adj', '1000', '--journal', '', '--socket', '', '--log-format', 'json'];
  const child = spawn('unshare', ['-p', '-f', '--mount-proc', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const check = (c: Buffer): void => {
      out += c.toString();
      if (killer === 'earlyoom' ? /SIGKILL when/.test(out) : /"event":"started"/.test(out)) resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', () => reject(new Error(`${killer} exited before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return { child, ready };
}

export async function rampRun(killer: RampRun['killer'], rateMiBps: number, bin?: string): Promise<RampRun> {
  const totalKiB = meminfoKiB('MemTotal');
  const thresholdKiB = meminfoKiB('MemAvailable') - GIB_KIB;
  const k = startKiller(killer, thresholdKiB, totalKiB, bin);
  const unsharePid = k.child.pid ?? 0;
  let hog: ChildProcess | undefined;
  let init = 0;
  try {
    await Promise.race([k.ready, sleep(30_000).then(() => Promise.reject(new Error(`${killer} not ready`)))]);
    init = await nsInit(unsharePid);
    const stepMs = 16;
    const stepMiB = Math.max(1, Math.round((rateMiBps * stepMs) / 1000));
    const totalMiB = 1024 + Math.max(512, rateMiBps); // 1 GiB to the threshold, then at least 0.5 s of margin
    const script = `echo 1000 > /proc/self/oom_score_adj && exec '${hogBinary()}' ${totalMiB} ${stepMiB} ${stepMs}`;
    let crossAt: number | undefined;
    let minAvail = Infinity;
    const sampler = setInterval(() => {
      const avail = meminfoKiB('MemAvailable');
      minAvail = Math.min(minAvail, avail);
      if (crossAt === undefined && avail <= thresholdKiB) crossAt = performance.now();
    }, 5);
    let peakHogMiB = 0;
    hog = spawn('nsenter', ['-t', String(init), '-p', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const died = new Promise<number>((resolve) => {
      hog?.stdout?.on('data', (c: Buffer) => {
        for (const m of c.toString().matchAll(/allocated (\d+)/g)) peakHogMiB = Math.max(peakHogMiB, Number(m[1]));
      });
      hog?.stdout?.once('close', () => resolve(performance.now()));
    });
    const end = await Promise.race([died, sleep(((totalMiB / rateMiBps) * 1000) + 5000).then(() => null)]);
    clearInterval(sampler);
    const latencyMs = end !== null && crossAt !== undefined ? end - crossAt : null;
    const outcome = crossAt === undefined ? 'no-crossing' : end === null ? 'no-kill' : 'killed';
    return { killer, rateMiBps, latencyMs, outcome, overshootMiB: Math.max(0, (thresholdKiB - minAvail) / 1024), peakHogMiB, ...(bin !== undefined ? { bin } : {}) };
  } finally {
    // SIGKILL the namespace's init: the kernel then kills everything in the namespace.
    if (init > 0) {
      try {
        process.kill(init, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (k.child.exitCode === null) await new Promise((r) => k.child.once('exit', r));
    if (hog && hog.exitCode === null && hog.signalCode === null) await new Promise((r) => hog?.once('exit', r));
    await sleep(500); // let the hog's memory come back before the next run
  }
}

export function rampTable(runs: readonly RampRun[]): string {
  const rates = [...new Set(runs.map((r) => r.rateMiBps))];
  const lines = [
    '| ramp | killer | runs | crossing → kill, median ms (each run) | overshoot below threshold, median MiB | hog peak, median MiB |',
    // no-crossing: other processes freed memory during the run, so the threshold was never reached.
    '|---|---|---|---|---|---|',
  ];
  for (const rate of rates) {
    for (const killer of ['reapd', 'earlyoom'] as const) {
      const rs = runs.filter((r) => r.rateMiBps === rate && r.killer === killer);
      if (rs.length === 0) continue;
      const lat = rs.map((r) => r.latencyMs).filter((x): x is number => x !== null);
      const each = rs.map((r) => (r.latencyMs === null ? r.outcome : r.latencyMs.toFixed(0))).join(', ');
      const crossed = rs.filter((r) => r.outcome !== 'no-crossing');
      lines.push(`| ${rate} MiB/s | ${killer} | ${rs.length} | ${median(lat).toFixed(0)} (${each}) | ${median(crossed.map((r) => r.overshootMiB)).toFixed(0)} | ${median(crossed.map((r) => r.peakHogMiB)).toFixed(0)} |`);
    }
    const r = median(runs.filter((x) => x.rateMiBps === rate && x.killer === 'reapd' && x.latencyMs !== null).map((x) => x.latencyMs as number));
    const e = median(runs.filter((x) => x.rateMiBps === rate && x.killer === 'earlyoom' && x.latencyMs !== null).map((x) => x.latencyMs as number));
    if (Number.isFinite(r) && Number.isFinite(e)) lines.push(`| ${rate} MiB/s | reapd / earlyoom | | **${(r / e).toFixed(2)}×** | | |`);
  }
  return lines.join('\n');
}
