// `reapd doctor [--json]`: what this machine offers reapd, one line per feature with what
// it means for reapd (DESIGN.md example 11). --json prints the probe's plain object.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { CliError, EXIT } from '../exit-codes.js';
import type { Capabilities } from '../../kernel/capabilities.js';
import { probeCapabilities } from '../../kernel/probe.js';
import { defaultFdBudget } from '../../kernel/procfs/limits.js';
import { describeOwnMemory, findReapdDaemons, type OwnMemoryReport } from '../../kernel/self/report.js';

interface DoctorLine {
  feature: string;
  value: string;
  meaning: string;
}

const yes = (b: boolean): string => (b ? 'yes' : 'no');

function psiLines(c: Capabilities): DoctorLine[] {
  const triggers: Record<Capabilities['psi']['triggers'], string> = {
    privileged: 'any window from 1 µs to 10 s: pressure events arrive within tens of ms',
    unprivileged: 'only 2 s windows, events arrive 0–2 s late; run with CAP_SYS_RESOURCE for fast triggers',
    unavailable: 'no PSI triggers: pressure can only be polled',
  };
  return [
    {
      feature: 'PSI',
      value: yes(c.psi.present),
      meaning: c.psi.present ? 'memory pressure is measured (/proc/pressure/memory)' : 'no pressure stall information; boot with psi=1',
    },
    { feature: 'PSI triggers', value: c.psi.triggers, meaning: `${triggers[c.psi.triggers]} (${c.psi.detail})` },
  ];
}

function cgroupLines(c: Capabilities): DoctorLine[] {
  const g = c.cgroup;
  return [
    {
      feature: 'cgroup v1 memory',
      value: g.v1Memory ?? 'no',
      meaning: g.v1Memory ? 'memcg domains (--memcg), oom_control and pressure_level events' : 'no v1 memory cgroups',
    },
    {
      feature: 'cgroup v1 freezer',
      value: g.v1Freezer ?? 'no',
      meaning: g.v1Freezer ? 'frozen victims exist here: reapd reaps them with process_mrelease' : 'no v1 freezer',
    },
    {
      feature: 'cgroup2',
      value: g.v2Root ?? 'no',
      meaning: g.v2Root ? `per-group memory.pressure; controllers: ${g.v2Controllers.join(' ') || '(none)'}` : 'no cgroup2 hierarchy',
    },
    {
      feature: 'cgroup2 memory',
      value: yes(g.v2Memory),
      meaning: g.v2Memory
        ? 'cgroup2 groups can be memory domains: memory.events wakes reapd at memory.high/max; cgroup2 has no oom_kill_disable, so set hold_back (docs/host-layouts.md)'
        : 'cgroup2 groups cannot be memory domains; use v1 memory cgroups',
    },
    { feature: 'cgroup.kill', value: yes(g.v2Kill), meaning: g.v2Kill ? 'a whole cgroup2 group can be killed at once' : 'groups are killed process by process' },
    { feature: 'cgroup.freeze', value: yes(g.v2Freeze), meaning: g.v2Freeze ? 'cgroup2 freezing (SIGKILL still goes through)' : 'no cgroup2 freezer' },
  ];
}

function killPathLines(c: Capabilities): DoctorLine[] {
  const p = c.pidfd;
  return [
    {
      feature: 'pidfd_open',
      value: yes(p.open && p.sendSignal),
      meaning: p.open && p.sendSignal ? 'kills go through pidfds: a reused pid never receives the signal' : `no pidfds (${p.detail}): reapd cannot kill safely (Linux ≥ 5.3 needed)`,
    },
    {
      feature: 'process_mrelease',
      value: yes(p.processMrelease),
      meaning: p.processMrelease ? "a victim's memory is freed at once, even while it is frozen" : `memory comes back only when the victim exits (${p.detail}; Linux ≥ 5.15)`,
    },
  ];
}

function privilegeLines(c: Capabilities): DoctorLine[] {
  const v = c.privileges;
  return [
    {
      feature: 'CAP_SYS_RESOURCE',
      value: yes(v.sysResource),
      meaning: v.sysResource ? 'reapd can protect itself (oom_score_adj -1000) and use sub-2 s PSI windows' : 'reapd cannot lower its own oom_score_adj nor use sub-2 s PSI windows',
    },
    { feature: 'CAP_KILL', value: yes(v.kill), meaning: v.kill ? "may kill other users' processes" : 'can kill only processes of its own uid' },
    { feature: 'CAP_SYS_NICE', value: yes(v.sysNice), meaning: v.sysNice ? 'the kill path can run at real-time priority' : 'the kill path runs at normal priority' },
    { feature: 'CAP_IPC_LOCK', value: yes(v.ipcLock), meaning: v.ipcLock ? "reapd can mlock its code so it is not paged out under pressure" : 'mlock limited to RLIMIT_MEMLOCK' },
  ];
}

/** The human view of the probe: one line per feature. */
function doctorLines(c: Capabilities): DoctorLine[] {
  // The scanner holds 4 fds per process (stat, statm, oom_score, oom_score_adj) when all
  // fit, else 2 (stat, oom_score_adj) for as many as fit (src/kernel/procfs/fds.ts).
  const budget = defaultFdBudget(c.openFiles ?? undefined);
  return [
    {
      feature: 'kernel',
      value: c.kernel.release,
      meaning: `${c.kernel.arch}, ${c.kernel.pageSizeBytes / 1024} KiB pages, ${c.kernel.clockTicksPerSecond} ticks/s; node ${c.runtime.node}, koffi ${c.runtime.koffi}`,
    },
    ...psiLines(c),
    ...cgroupLines(c),
    ...killPathLines(c),
    ...privilegeLines(c),
    {
      feature: 'open files',
      value: c.openFiles ? String(c.openFiles.soft) : 'unknown',
      meaning:
        `the scanner holds up to ${budget} /proc fds: 4 per process up to ${Math.floor(budget / 4)} processes, ` +
        `2 up to ${Math.floor(budget / 2)}, beyond that it opens and closes them per scan` +
        (c.privileges.sysResource ? '; it raises the limit itself when there are more processes' : '; raising the hard limit needs CAP_SYS_RESOURCE (or LimitNOFILE=)'),
    },
    {
      feature: 'swap',
      value: c.swapTotalKiB ? `${Math.round(c.swapTotalKiB / 1024)} MiB` : 'none',
      meaning: c.swapTotalKiB ? "processes' swapped-out memory counts toward their size" : 'anonymous memory cannot be evicted: only page cache thrashes',
    },
  ];
}

export function formatDoctor(c: Capabilities): string {
  const lines = doctorLines(c);
  const width = Math.max(...lines.map((l) => l.feature.length)) + 2;
  // The value column is at most 22 characters wide; a longer value (Debian's
  // "6.12.117+deb12-cloud-amd64" is 26) overflows it but keeps two spaces before its
  // meaning — padEnd alone printed "6.12.117+deb12-cloud-amd64x64, 4 KiB pages".
  const valueWidth = Math.min(22, Math.max(...lines.map((l) => l.value.length)));
  const body = lines.map((l) => `  ${l.feature.padEnd(width)}${l.value.padEnd(valueWidth)}  ${l.meaning}`);
  return `reapd doctor: what this machine offers reapd\n${body.join('\n')}\n`;
}

/** The human view of reapd's own memory: whose figures, what is in place, what is missing. */
function formatOwnMemory(r: OwnMemoryReport): string {
  const m = r.memory;
  const who = r.subject.kind === 'running daemon' ? `reapd daemon pid ${r.subject.pid} (${r.subject.how})` : `this doctor process, pid ${r.subject.pid} (${r.subject.how})`;
  const lines = [`reapd's own memory: ${who}`];
  if (m) {
    lines.push(`  VmSwap ${m.vmSwapKiB} KiB, ${m.majorFaults} major faults, anon ${Math.round(m.rssAnonKiB / 1024)} MiB, file ${Math.round(m.rssFileKiB / 1024)} MiB` +
      (m.filePages ? `, ${Math.round(m.filePages.residentInLockedKiB / 1024)} MiB of code resident in ${m.filePages.lockedMappings} locked mappings` : ''));
  }
  if (r.cgroup) lines.push(`  memory cgroup: ${r.cgroup.path} (${r.cgroup.hierarchy}${r.cgroup.dedicated ? ', its own' : ', shared'})`);
  for (const p of r.inPlace) lines.push(`  in place: ${p}`);
  for (const p of r.missing) lines.push(`  missing:  ${p}`);
  return `${lines.join('\n')}\n`;
}

/** The daemon to report on: --pid, else the first `reapd run` found in /proc. */
function ownMemoryTarget(pidOption: string | undefined): { pid: number; how: string } | undefined {
  if (pidOption !== undefined) return { pid: Number(pidOption), how: '--pid' };
  const found = findReapdDaemons();
  const first = found[0];
  if (first === undefined) return undefined;
  return { pid: first, how: found.length > 1 ? `found in /proc; others: ${found.slice(1).join(', ')}` : 'found in /proc' };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('Probe the kernel features reapd uses (PSI, cgroups, pidfds, process_mrelease, capabilities), say what each means, and what keeps reapd resident')
    .option('--json', 'print the probe result as JSON')
    .option('--pid <pid>', 'report the own-memory protection of this reapd daemon (default: the one running, else this process)')
    .action((opts: { json?: boolean; pid?: string }) => {
      if (opts.pid !== undefined && !/^[1-9]\d*$/.test(opts.pid)) throw new CliError(`--pid must be a process id, not ${JSON.stringify(opts.pid)}`, EXIT.USAGE);
      if (opts.pid !== undefined && !existsSync(`/proc/${opts.pid}/status`)) throw new CliError(`--pid ${opts.pid}: no such process`, EXIT.USAGE);
      const caps = probeCapabilities();
      const own = describeOwnMemory(ownMemoryTarget(opts.pid));
      process.stdout.write(opts.json ? `${JSON.stringify({ ...caps, ownMemory: own }, null, 2)}\n` : `${formatDoctor(caps)}${formatOwnMemory(own)}`);
    });
}
