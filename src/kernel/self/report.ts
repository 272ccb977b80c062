// What keeps a reapd process's memory resident, read from outside (`reapd doctor`): the
// running daemon's when one is found (its pid, or a /proc scan for `… cli/main.js run` /
// `reapd run`), else the doctor process's own, said so, with what `reapd run` would do
// from here. Plain data: the CLI prints it as text or JSON.
import { readdirSync, readFileSync } from 'node:fs';
import { groupDir, isDedicated, memoryHierarchyOf, planHome, type HomePlan, type MemoryHierarchyView } from './cgroup-home.js';
import { readGuard, type GuardState } from './memory-guard.js';
import { parseCgroupProcs } from '../parse/memcg.js';
import { readOwnMemory, readSwapTotalKiB, type OwnMemory } from './usage.js';

export interface OwnMemoryReport {
  subject: { pid: number; kind: 'running daemon' | 'doctor process'; how: string };
  memory?: OwnMemory;
  cgroup?: MemoryHierarchyView & { dedicated: boolean; guard?: GuardState; plan?: HomePlan };
  inPlace: string[];
  missing: string[];
}

/** argv of a reapd daemon: "node …/cli/main.js run …" or "reapd run …". */
function isReapdRunArgv(argv: readonly string[]): boolean {
  const script = argv.findIndex((a) => a.endsWith('/cli/main.js') || a === 'reapd' || a.endsWith('/reapd'));
  return script >= 0 && argv[script + 1] === 'run';
}

/** Pids of running reapd daemons, other than `except`. */
export function findReapdDaemons(except = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === except) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (isReapdRunArgv(argv)) out.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

const mib = (bytes: number): string => `${Math.round((bytes / 1048576) * 10) / 10} MiB`;

function guardFindings(g: GuardState, swapTotalKiB: number, inPlace: string[], missing: string[]): void {
  if (g.hierarchy === 'cgroup2') {
    if (g.swapMaxBytes === 0) inPlace.push(`memory.swap.max = 0 on ${g.group}: nothing can be swapped out`);
    else if (g.swapMaxBytes === undefined) missing.push(`${g.group} has no memory.swap.max (no per-group swap accounting)`);
    else missing.push(`memory.swap.max is ${g.swapMaxBytes ?? 'max'} on ${g.group}: its memory can be swapped out`);
    const min = g.memoryMinBytes ?? 0;
    if (min > 0 && g.boundBy) missing.push(`memory.min ${mib(min)} on ${g.group} is bounded by ${g.boundBy.group}'s ${mib(g.boundBy.memoryMinBytes)}`);
    else if (min > 0) inPlace.push(`memory.min = ${mib(min)} on ${g.group}${g.currentBytes !== undefined ? ` (${mib(g.currentBytes)} charged)` : ''}`);
    else missing.push(`memory.min is 0 on ${g.group}: its pages can be reclaimed`);
    return;
  }
  if (g.swappiness === 0) inPlace.push(`memory.swappiness = 0 on ${g.group}`);
  else missing.push(`memory.swappiness is ${g.swappiness ?? '?'} on ${g.group}`);
  v1Limits(swapTotalKiB, missing);
}

/** What cgroup v1 cannot give, whatever reapd sets. */
function v1Limits(swapTotalKiB: number, missing: string[]): void {
  if (swapTotalKiB > 0) missing.push('cgroup v1 has no per-group swap limit: global reclaim may still swap reapd when page cache runs out');
  missing.push('cgroup v1 has no memory.min: only locked code pages are safe from reclaim');
}

function memoryFindings(m: OwnMemory, inPlace: string[], missing: string[]): void {
  const f = m.filePages;
  if (f && f.lockedMappings > 0) inPlace.push(`${mib(f.residentInLockedKiB * 1024)} of code resident in ${f.lockedMappings} locked mappings`);
  else missing.push('no code mapping is locked');
  if (m.vmSwapKiB > 0) missing.push(`${m.vmSwapKiB} KiB of its memory is swapped out now (VmSwap)`);
}

function planSentence(plan: HomePlan): string {
  if (plan.kind === 'create') return `\`reapd run\` would create ${plan.path}, move there and set its limits`;
  if (plan.kind === 'impossible') return `\`reapd run\` cannot make a group of its own: ${plan.why}`;
  return `\`reapd run\` would use ${plan.path}`;
}

/** The report for `pid` (a running daemon) or, with none, this process. */
export function describeOwnMemory(target?: { pid: number; how: string }): OwnMemoryReport {
  const pid = target?.pid ?? process.pid;
  const subject: OwnMemoryReport['subject'] = target
    ? { pid, kind: 'running daemon', how: target.how }
    : { pid, kind: 'doctor process', how: 'no running reapd daemon found: these are the doctor process\'s own figures' };
  const report: OwnMemoryReport = { subject, inPlace: [], missing: [] };
  const memory = readOwnMemory(pid);
  if (memory) {
    report.memory = memory;
    if (target) memoryFindings(memory, report.inPlace, report.missing);
  }
  const view = memoryHierarchyOf(pid);
  if (typeof view === 'string') {
    report.missing.push(view);
    return report;
  }
  const dedicated = isDedicated(view, pid);
  report.cgroup = { ...view, dedicated };
  if (dedicated || target) report.cgroup.guard = readGuard(view);
  if (!target) {
    report.cgroup.plan = planHome(view, pid);
    (report.cgroup.plan.kind === 'impossible' ? report.missing : report.inPlace).push(planSentence(report.cgroup.plan));
    if (view.hierarchy === 'cgroup-v1') v1Limits(readSwapTotalKiB(), report.missing);
  } else if (!dedicated) {
    const others = parseCgroupProcs(readText(`${groupDir(view, view.path)}/cgroup.procs`)).filter((p) => p !== pid).length;
    report.missing.push(`shares ${view.path} with ${others} other process(es): no limits of its own`);
  } else if (report.cgroup.guard) {
    guardFindings(report.cgroup.guard, readSwapTotalKiB(), report.inPlace, report.missing);
  }
  return report;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
