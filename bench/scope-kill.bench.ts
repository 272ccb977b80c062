// `npm run bench -- scope-kill`: a whole scope of 20 processes × 50 MiB (one cgroup2
// group, and one v1 memcg holding the same processes so that a usage threshold eventfd
// can see its memory fall without burning a CPU). From the decision to the scope's memory
// below 10 % of what it was, in one run, the modes alternating:
//   reapd          KernelKiller with kill_unit "cgroup": pidfds opened and checked, the
//                  group frozen, cgroup.kill, members held on the kill thread's CPU and
//                  each reaped with process_mrelease largest first, thawed
//   reapd-pidfds   the same victims as one ordinary batch (SIGKILL through each pidfd,
//                  then reap largest first): what the group path adds
//   cgroup.kill    one write to cgroup.kill from the main thread, no reaping
//   sigkill-each   pidfd_open + pidfd_send_signal for each member in turn, no reaping
import { writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { basename } from 'node:path';
import type { Benchmark } from './index.js';
import { KernelKiller } from '../src/kernel/kill/main-thread-killer.js';
import { threadNowMs } from '../src/kernel/clock.js';
import { close } from '../src/kernel/sys/io.js';
import { pidfdOpen, pidfdSendSignal, SIGKILL } from '../src/kernel/sys/process.js';
import { cgroup2, memcgV1 } from '../test/helpers/cgroup.js';
import { spawnHog, withTimeout } from '../test/helpers/hog.js';
import { median, ReleaseWatch, victimOf } from '../test/kernel/kill/helpers.js';

type Mode = 'reapd' | 'reapd-pidfds' | 'cgroup.kill' | 'sigkill-each';
const MODES: readonly Mode[] = ['reapd', 'reapd-pidfds', 'cgroup.kill', 'sigkill-each'];
const MEMBERS = 20;
const MEMBER_MIB = 50;
const RUNS = 5;

interface Run {
  releaseMs: number;
  reaped: number;
}

async function oneRun(mode: Mode, killer: KernelKiller): Promise<Run> {
  const memcg = memcgV1();
  const group = cgroup2();
  const hogs = Array.from({ length: MEMBERS }, () => spawnHog({ mib: MEMBER_MIB, cgroups: [memcg.path, group.path] }));
  try {
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 60_000, 'scope members ready');
    const victims = hogs.map((h) => victimOf(h.pid, MEMBER_MIB * 1024));
    const watch = new ReleaseWatch(memcg.path, 0.1);
    let pending: ReturnType<KernelKiller['kill']> | undefined;
    const t0 = threadNowMs();
    if (mode === 'reapd') pending = killer.kill(victims, { dryRun: false, group: `/${basename(group.path)}` });
    else if (mode === 'reapd-pidfds') pending = killer.kill(victims, { dryRun: false });
    else if (mode === 'cgroup.kill') writeFileSync(`${group.path}/cgroup.kill`, '1');
    else {
      for (const h of hogs) {
        const fd = pidfdOpen(h.pid);
        pidfdSendSignal(fd, SIGKILL);
        close(fd);
      }
    }
    const at = watch.waitSync(30_000);
    watch.close();
    if (at === null) throw new Error(`${mode}: the scope's memory was not released in 30 s`);
    let reaped = 0;
    if (pending) {
      const results = await pending;
      reaped = results.filter((r) => r.reaped).length;
      await killer.waitForExit(results, 5000);
    }
    return { releaseMs: at - t0, reaped };
  } finally {
    await Promise.all(hogs.map((h) => h.kill()));
    await group.remove();
    await memcg.remove();
  }
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

const bench: Benchmark = {
  name: 'scope-kill',
  async run() {
    const killer = new KernelKiller();
    await killer.ready();
    const byMode = new Map<Mode, Run[]>(MODES.map((m) => [m, []]));
    try {
      for (let i = 0; i < RUNS; i++) {
        for (const mode of MODES) {
          const r = await oneRun(mode, killer);
          byMode.get(mode)?.push(r);
          process.stdout.write(`${mode}: ${fmt(r.releaseMs)} ms${mode.startsWith('reapd') ? `, reaped ${r.reaped}/${MEMBERS}` : ''}\n`);
        }
      }
    } finally {
      await killer.close();
    }
    const best = Math.min(...MODES.map((m) => median((byMode.get(m) ?? []).map((r) => r.releaseMs))));
    const lines = [
      `### Whole-scope kill: ${MEMBERS} processes × ${MEMBER_MIB} MiB in one scope`,
      '',
      'Command: `npm run bench -- scope-kill`. Decision → the scope\'s memory below 10 % of what it was',
      '(a v1 memcg holding exactly the scope\'s processes; usage threshold eventfd). Modes alternate',
      `within one run; ${RUNS} runs each. Machine: Linux ${release()}, ${availableParallelism()} CPUs, no swap.`,
      '',
      '| mode | runs, ms | reaped | median ms | ÷ fastest |',
      '|---|---|---|---|---|',
    ];
    for (const mode of MODES) {
      const rs = byMode.get(mode) ?? [];
      const m = median(rs.map((r) => r.releaseMs));
      const reaped = mode.startsWith('reapd') ? `${rs.reduce((s, r) => s + r.reaped, 0)}/${rs.length * MEMBERS}` : '—';
      lines.push(`| ${mode} | ${rs.map((r) => fmt(r.releaseMs)).join(', ')} | ${reaped} | **${fmt(m)}** | ${(m / best).toFixed(2)}× |`);
    }
    lines.push(
      '',
      '`reapd` is the kill_unit = "cgroup" path (src/kernel/kill/group-kill.ts): freeze, cgroup.kill,',
      'members held on the real-time kill thread\'s CPU until each is reaped. `reapd-pidfds` is the',
      'same victims through the ordinary batch (each signalled through its pidfd, then reaped largest',
      'first) — members on the other CPU free their own memory there (ESRCH) in parallel.',
    );
    return lines.join('\n');
  },
};

export default bench;
