// `npm run bench -- kill`: time from the kill decision to the victim's memory being
// released (its own v1 memcg's usage below 10% of what it was, seen by a usage threshold
// eventfd so the watcher burns no CPU), for 256 MiB, 1 GiB and 4 GiB victims:
//   reapd   KernelKiller with its defaults (worker thread at SCHED_FIFO 10: identity
//           check, pidfd_send_signal, process_mrelease, boost)
//   sigkill pidfd_open + pidfd_send_signal from the main thread, nothing else
//   C       a minimal C program (pidfd_open + pidfd_send_signal + process_mrelease),
//           started beforehand, woken by SIGUSR1 at the decision; once plain (CFS) and
//           once at SCHED_FIFO 10 like reapd's kill thread
// plus the hand-off cost (kill() call -> SIGKILL sent) for the worker and in-thread
// modes, and two 1 GiB victims killed in one batch vs one batch each.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './index.js';
import { KernelKiller } from '../src/kernel/kill/index.js';
import { threadNowMs } from '../src/kernel/clock.js';
import { close, pidfdOpen, pidfdSendSignal, SIGKILL } from '../src/kernel/sys/index.js';
import { memcgV1 } from '../test/helpers/cgroup.js';
import { spawnHog, withTimeout } from '../test/helpers/hog.js';
import { median, ReleaseWatch, victimOf } from '../test/kernel/kill/helpers.js';

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
// usage: reaper PID RTPRIO — waits for SIGUSR1, then kills and reaps PID.
int main(int argc, char **argv) {
  int pid = atoi(argv[1]), prio = atoi(argv[2]);
  if (prio > 0) { struct sched_param p = { .sched_priority = prio }; sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p); }
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1); sigprocmask(SIG_BLOCK, &set, NULL);
  printf("ready\n"); fflush(stdout);
  int sig; sigwait(&set, &sig);
  int fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) { printf("open %d\n", errno); return 1; }
  if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) { printf("kill %d\n", errno); return 1; }
  long r = syscall(448, fd, 0);
  printf("mrelease %s\n", r == 0 ? "ok" : errno == ESRCH ? "ESRCH" : "error");
  return 0;
}
`;

type Mode = 'reapd' | 'sigkill' | 'c' | 'c-rt';
const MODES: readonly Mode[] = ['reapd', 'sigkill', 'c', 'c-rt'];
const RT_PRIORITY = 10;

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

/** One victim of `mib` MiB in its own memcg, killed one way; time to 10% usage. */
async function oneRun(mib: number, mode: Mode, killer: KernelKiller, cBin: string): Promise<Run> {
  const memcg = memcgV1();
  const hog = spawnHog({ mib, cgroups: [memcg.path] });
  let reaper: ChildProcess | undefined;
  try {
    await withTimeout(hog.ready, 120_000, 'hog allocation');
    if (mode === 'c' || mode === 'c-rt') {
      reaper = spawn(cBin, [String(hog.pid), mode === 'c-rt' ? String(RT_PRIORITY) : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await withTimeout(lineFrom(reaper, /ready/), 10_000, 'C reaper ready');
    }
    const outcome = reaper ? lineFrom(reaper, /mrelease \w+/) : undefined;
    const watch = new ReleaseWatch(memcg.path, 0.1);
    let pending: ReturnType<KernelKiller['kill']> | undefined;
    const t0 = threadNowMs();
    if (mode === 'reapd') pending = killer.kill([victimOf(hog.pid, mib * 1024)], { dryRun: false });
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

async function sizeTable(killer: KernelKiller, cBin: string | undefined): Promise<string[]> {
  const sizes: [number, number][] = [[256, 7], [1024, 7], [4096, 3]];
  const modes = MODES.filter((m) => cBin !== undefined || !m.startsWith('c'));
  const lines = ['| victim | mode | runs, ms (decision → memcg usage < 10%) | reaped | median ms | ÷ C (FIFO 10) | ÷ C (plain) |', '|---|---|---|---|---|---|---|'];
  for (const [mib, runs] of sizes) {
    const byMode = new Map<Mode, Run[]>(modes.map((m) => [m, []]));
    for (let i = 0; i < runs; i++) {
      for (const mode of modes) {
        const run = await oneRun(mib, mode, killer, cBin ?? '');
        byMode.get(mode)?.push(run);
        process.stdout.write(`${mib} MiB ${mode}: ${fmt(run.releaseMs)} ms${run.reaped ? ' (reaped)' : ''}\n`);
      }
    }
    const med = (m: Mode): number | undefined => {
      const rs = byMode.get(m);
      return rs && rs.length > 0 ? median(rs.map((r) => r.releaseMs)) : undefined;
    };
    for (const mode of modes) {
      const rs = byMode.get(mode) ?? [];
      const m = med(mode) as number;
      const rt = med('c-rt');
      const plain = med('c');
      const reaped = mode === 'sigkill' ? '—' : `${rs.filter((r) => r.reaped).length}/${rs.length}`;
      lines.push(`| ${mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`} | ${mode} | ${rs.map((r) => fmt(r.releaseMs)).join(', ')} | ${reaped} | **${fmt(m)}** | ${rt ? `${(m / rt).toFixed(2)}×` : 'n/a'} | ${plain ? `${(m / plain).toFixed(2)}×` : 'n/a'} |`);
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
    for (let i = 0; i < 12; i++) {
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
  for (let i = 0; i < 3; i++) {
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
    const killer = new KernelKiller();
    const notes = await killer.ready();
    let sizes: string[];
    try {
      sizes = await sizeTable(killer, cBin);
    } finally {
      await killer.close();
    }
    const hand = await handoff();
    const two = await twoVictims();
    return [
      '## Kill path: decision → memory released',
      '',
      `\`npm run bench -- kill\` — Node ${process.version}, Linux ${release()}, ${availableParallelism()} CPUs; reapd kill thread: ${notes.join('; ') || 'default'}.`,
      'Each victim is a fresh process that touched N MiB of anonymous memory, alone in its own v1 memcg; the time runs from the kill decision to that memcg\'s `memory.usage_in_bytes` falling below 10% of its value (a usage-threshold eventfd wakes a blocking poll, so the watcher takes no CPU from the victim or the reaper). Modes run interleaved, run by run. "reaped" counts the runs whose process_mrelease returned 0 (the others got ESRCH: the victim reached exit_mm() first and freed its memory alone).',
      cBin ? '' : '\n**No C compiler: the C program rows are missing.**\n',
      ...sizes,
      '',
      'Goal: reapd within 1.1× of the C program at 1 GiB and 4 GiB. The fair comparison is the C program at the same SCHED_FIFO priority as reapd\'s kill thread; the plain C program is often preempted by the victim it just woke and loses the race to exit_mm().',
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
