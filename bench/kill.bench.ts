// `npm run bench -- kill`: time from the kill decision to the victim's memory being
// released (its own v1 memcg's usage below 10% of what it was, seen by a usage threshold
// eventfd so the watcher burns no CPU), for 256 MiB, 1 GiB and 4 GiB victims:
//   reapd   KernelKiller with its defaults (worker thread at SCHED_FIFO 10: identity
//           check, pidfd_send_signal, process_mrelease, boost)
//   sigkill pidfd_open + pidfd_send_signal from the main thread, nothing else
//   C       a minimal C program (pidfd_open + pidfd_send_signal + process_mrelease),
//           started beforehand, woken by SIGUSR1 at the decision; plain (CFS), at
//           SCHED_FIFO 10 like reapd's kill thread, and at FIFO 10 with reapd's victim
//           boost (every thread of the victim, listed before the signal: all CPUs and
//           SCHED_RR 1 after the reap) — the like-for-like pair for reapd; reapd without
//           its boost (rtBoost and allCpus off) pairs with C at FIFO 10 without it
// REAPD_BENCH_QUICK=1 runs fewer victims of each size.
// plus the hand-off cost (kill() call -> SIGKILL sent) for the worker and in-thread
// modes, and two 1 GiB victims killed in one batch vs one batch each.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './index.js';
import { KernelKiller } from '../src/kernel/kill/main-thread-killer.js';
import { threadNowMs } from '../src/kernel/clock.js';
import { close } from '../src/kernel/sys/io.js';
import { pidfdOpen, pidfdSendSignal, SIGKILL } from '../src/kernel/sys/process.js';
import { memcgV1 } from '../test/helpers/cgroup.js';
import { spawnHog, withTimeout } from '../test/helpers/hog.js';
import { median, ReleaseWatch, victimOf } from '../test/kernel/kill/helpers.js';

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
// usage: reaper PID RTPRIO BOOST — waits for SIGUSR1, then kills and reaps PID; with
// BOOST 1 then lets every thread of PID (listed before the signal, as reapd does) run
// on every CPU at SCHED_RR 1, as reapd's kill thread does after its first reap.
int main(int argc, char **argv) {
  int pid = atoi(argv[1]), prio = atoi(argv[2]), boost = argc > 3 && atoi(argv[3]) == 1;
  if (prio > 0) { struct sched_param p = { .sched_priority = prio }; sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p); }
  int tids[4096], n = 0;
  if (boost) {
    char path[64]; snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path); struct dirent *e;
    while (d && (e = readdir(d)) && n < 4096) if (e->d_name[0] != '.') tids[n++] = atoi(e->d_name);
    if (d) closedir(d);
  }
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1); sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready\n"); fflush(stdout);
  int sig; sigwait(&set, &sig);
  int fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) { printf("open %d\n", errno); return 1; }
  if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) { printf("kill %d\n", errno); return 1; }
  long r = syscall(448, fd, 0);
  int reapErr = errno;
  if (boost) {
    cpu_set_t all; CPU_ZERO(&all);
    for (int c = 0; c < CPU_SETSIZE; c++) CPU_SET(c, &all);
    struct sched_param rr = { .sched_priority = 1 };
    for (int i = 0; i < n; i++) { sched_setaffinity(tids[i], sizeof all, &all); sched_setscheduler(tids[i], SCHED_RR, &rr); }
  }
  printf("mrelease %s\n", r == 0 ? "ok" : reapErr == ESRCH ? "ESRCH" : "error");
  return 0;
}
`;

type Mode = 'reapd' | 'reapd-noboost' | 'sigkill' | 'c' | 'c-rt' | 'c-rt-boost';
const MODES: readonly Mode[] = ['reapd', 'reapd-noboost', 'sigkill', 'c', 'c-rt', 'c-rt-boost'];
/** Each reapd mode's like-for-like C program: the same priority, the same boost or none. */
const TWIN: Partial<Record<Mode, Mode>> = { reapd: 'c-rt-boost', 'reapd-noboost': 'c-rt' };
const RT_PRIORITY = 10;
const quick = process.env.REAPD_BENCH_QUICK === '1' || process.argv.includes('--quick');
const isC = (m: Mode): boolean => m === 'c' || m === 'c-rt' || m === 'c-rt-boost';

function buildC(): string | undefined {
  const src = join(tmpdir(), 'reapd-bench-reaper.c');
  const bin = join(tmpdir(), 'reapd-bench-reaper');
  try {
    writeFileSync(src, C_SOURCE);
    execFileSync('cc', ['-O2', '-o', bin, src], { stdio: 'ignore' });
    return bin;
  } catch {
    return undefined;
  }
}

function lineFrom(child: ChildProcess, match: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = match.exec(buf);
      if (m) resolve(m[0]);
    });
  });
}

interface Run {
  releaseMs: number;
  reaped: boolean;
}

/** reapd's killer with its defaults, and one with the victim boost off (rtBoost, allCpus). */
interface Killers {
  reapd: KernelKiller;
  noBoost: KernelKiller;
}

/** One victim of `mib` MiB in its own memcg, killed one way; time to 10% usage. */
async function oneRun(mib: number, mode: Mode, killers: Killers, cBin: string): Promise<Run> {
  const memcg = memcgV1();
  const hog = spawnHog({ mib, cgroups: [memcg.path] });
  let reaper: ChildProcess | undefined;
  try {
    await withTimeout(hog.ready, 120_000, 'hog allocation');
    if (isC(mode)) {
      const args = [String(hog.pid), mode === 'c' ? '0' : String(RT_PRIORITY), mode === 'c-rt-boost' ? '1' : '0'];
      reaper = spawn(cBin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      await withTimeout(lineFrom(reaper, /ready/), 10_000, 'C reaper ready');
    }
    const outcome = reaper ? lineFrom(reaper, /mrelease \w+/) : undefined;
    const watch = new ReleaseWatch(memcg.path, 0.1);
    let pending: ReturnType<KernelKiller['kill']> | undefined;
    const killer = mode === 'reapd-noboost' ? killers.noBoost : killers.reapd;
    const t0 = threadNowMs();
    if (mode === 'reapd' || mode === 'reapd-noboost') pending = killer.kill([victimOf(hog.pid, mib * 1024)], { dryRun: false });
    else if (mode === 'sigkill') {
      const fd = pidfdOpen(hog.pid);
      pidfdSendSignal(fd, SIGKILL);
      close(fd);
    } else reaper?.kill('SIGUSR1');
    const at = watch.waitSync(30_000);
    watch.close();
    if (at === null) throw new Error(`${mode} ${mib} MiB: memory not released in 30 s`);
    let reaped = false;
    if (pending) {
      const results = await pending;
      reaped = results[0]?.reaped ?? false;
      await killer.waitForExit(results, 5000);
    } else if (outcome) reaped = (await withTimeout(outcome, 10_000, 'C reaper result')) === 'mrelease ok';
    return { releaseMs: at - t0, reaped };
  } finally {
    reaper?.kill('SIGKILL');
    await hog.kill();
    await memcg.remove();
  }
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

async function sizeTable(killers: Killers, cBin: string | undefined): Promise<string[]> {
  const sizes: [number, number][] = quick ? [[256, 3], [1024, 3], [4096, 1]] : [[256, 7], [1024, 7], [4096, 3]];
  const modes = MODES.filter((m) => cBin !== undefined || !isC(m));
  const lines = [
    '| victim | mode | runs, ms (decision → memcg usage < 10%) | reaped | median ms | ÷ C like for like | ÷ C (FIFO 10, no boost) | ÷ C (plain) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [mib, runs] of sizes) {
    const byMode = new Map<Mode, Run[]>(modes.map((m) => [m, []]));
    for (let i = 0; i < runs; i++) {
      for (const mode of modes) {
        const run = await oneRun(mib, mode, killers, cBin ?? '');
        byMode.get(mode)?.push(run);
        process.stdout.write(`${mib} MiB ${mode}: ${fmt(run.releaseMs)} ms${run.reaped ? ' (reaped)' : ''}\n`);
      }
    }
    const med = (m: Mode | undefined): number | undefined => {
      const rs = m === undefined ? undefined : byMode.get(m);
      return rs && rs.length > 0 ? median(rs.map((r) => r.releaseMs)) : undefined;
    };
    const ratio = (m: number, of: number | undefined): string => (of ? `${(m / of).toFixed(2)}×` : '—');
    for (const mode of modes) {
      const rs = byMode.get(mode) ?? [];
      const m = med(mode) as number;
      const twin = TWIN[mode];
      const reaped = mode === 'sigkill' ? '—' : `${rs.filter((r) => r.reaped).length}/${rs.length}`;
      const like = twin ? `**${ratio(m, med(twin))}** (÷ ${twin})` : '—';
      lines.push(`| ${mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`} | ${mode} | ${rs.map((r) => fmt(r.releaseMs)).join(', ')} | ${reaped} | **${fmt(m)}** | ${like} | ${ratio(m, med('c-rt'))} | ${ratio(m, med('c'))} |`);
    }
  }
  return lines;
}

/** kill() -> SIGKILL sent, for small victims: the cost of the worker hand-off. */
async function handoff(): Promise<string[]> {
  const lines = ['| kill thread | hand-off (kill() → batch starts) | kill() → SIGKILL sent | batch (identity, signal, reap, boost) |', '|---|---|---|---|'];
  for (const useWorker of [true, false]) {
    const killer = new KernelKiller({ useWorker });
    await killer.ready();
    const h: number[] = [];
    const s: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < (quick ? 6 : 12); i++) {
      const hog = spawnHog({ mib: 4 });
      await withTimeout(hog.ready, 10_000, 'hog');
      const results = await killer.kill([victimOf(hog.pid, 4096)], { dryRun: false });
      await killer.waitForExit(results, 2000);
      await hog.kill();
      const r = killer.lastBatch;
      if (i >= 2 && r) {
        h.push(r.handoffMs);
        s.push(r.decisionToSignalMs[0] ?? NaN);
        b.push(r.batchMs);
      }
    }
    await killer.close();
    lines.push(`| ${useWorker ? 'worker (default)' : 'in-thread (useWorker: false)'} | ${fmt(median(h))} ms | ${fmt(median(s))} ms | ${fmt(median(b))} ms |`);
  }
  return lines;
}

/** Two 1 GiB victims: one batch (signal both, then reap largest first) vs one batch each. */
async function twoVictims(): Promise<string[]> {
  const killer = new KernelKiller();
  await killer.ready();
  const result: Record<string, number[]> = { 'one batch': [], 'one batch per victim': [] };
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    for (const style of Object.keys(result)) {
      const memcg = memcgV1();
      const hogs = [spawnHog({ mib: 1024, cgroups: [memcg.path] }), spawnHog({ mib: 1000, cgroups: [memcg.path] })];
      try {
        await withTimeout(Promise.all(hogs.map((x) => x.ready)), 120_000, 'hogs');
        const victims = hogs.map((x, j) => victimOf(x.pid, j === 0 ? 1024 * 1024 : 1000 * 1024));
        const watch = new ReleaseWatch(memcg.path, 0.1);
        const t0 = threadNowMs();
        const pending =
          style === 'one batch'
            ? killer.kill(victims, { dryRun: false })
            : killer.kill(victims.slice(0, 1), { dryRun: false }).then(async (a) => [...a, ...(await killer.kill(victims.slice(1), { dryRun: false }))]);
        // Not blocking here: the per-victim style needs this thread to send its second request.
        const all = await pending;
        const at = watch.waitSync(30_000);
        watch.close();
        await killer.waitForExit(all, 5000);
        if (at !== null) result[style]?.push(at - t0);
      } finally {
        await Promise.all(hogs.map((x) => x.kill()));
        await memcg.remove();
      }
    }
  }
  await killer.close();
  return Object.entries(result).map(([style, xs]) => `| ${style} | ${xs.map(fmt).join(', ')} | **${fmt(median(xs))}** |`);
}

const bench: Benchmark = {
  name: 'kill',
  async run(): Promise<string> {
    if (process.getuid?.() !== 0 || !existsSync('/sys/fs/cgroup/memory/cgroup.procs')) {
      return '## Kill path\n\nSkipped: needs root and the cgroup v1 memory controller.';
    }
    const cBin = buildC();
    const killers: Killers = { reapd: new KernelKiller(), noBoost: new KernelKiller({ rtBoost: false, allCpus: false }) };
    const notes = await killers.reapd.ready();
    await killers.noBoost.ready();
    let sizes: string[];
    try {
      sizes = await sizeTable(killers, cBin);
    } finally {
      await killers.reapd.close();
      await killers.noBoost.close();
    }
    const hand = await handoff();
    const two = await twoVictims();
    return [
      '## Kill path: decision → memory released',
      '',
      `\`npm run bench -- kill${quick ? ' --quick' : ''}\` — Node ${process.version}, Linux ${release()}, ${availableParallelism()} CPUs; reapd kill thread: ${notes.join('; ') || 'default'}.`,
      'Each victim is a fresh process that touched N MiB of anonymous memory, alone in its own v1 memcg; the time runs from the kill decision to that memcg\'s `memory.usage_in_bytes` falling below 10% of its value (a usage-threshold eventfd wakes a blocking poll, so the watcher takes no CPU from the victim or the reaper). Modes run interleaved, run by run. "reaped" counts the runs whose process_mrelease returned 0 (the others got ESRCH: the victim reached exit_mm() first and freed its memory alone).',
      cBin ? '' : '\n**No C compiler: the C program rows are missing.**\n',
      ...sizes,
      '',
      'Goal (issue 18): reapd ≤ 1.0× the C program like for like at 1 GiB and 4 GiB. Like for like: `reapd` (its defaults: kill thread at SCHED_FIFO 10, victim boost) against `c-rt-boost` (the C program at FIFO 10 doing the same boost: every thread of the victim, listed before the signal, on every CPU at SCHED_RR 1 after the reap), and `reapd-noboost` against `c-rt` (neither boosts).',
      '',
      '### Hand-off to the kill thread (4 MiB victims, medians of 10)',
      '',
      ...hand,
      '',
      '### Two 1 GiB victims (decision → both released), medians of 3',
      '',
      '| batching | runs, ms | median |',
      '|---|---|---|',
      ...two,
    ].join('\n');
  },
};

export default bench;
