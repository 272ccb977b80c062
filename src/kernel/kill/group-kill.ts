// Whole-scope kills (kill_unit = "cgroup") on the kill thread: freeze the cgroup2 group,
// make sure every process in it (and in its descendants) is one of the victims whose pidfd
// we hold, kill it with one write to cgroup.kill, and thaw it once every victim was reaped.
// systemd-oomd and oomd do freeze -> kill -> process_mrelease; the pidfds opened before
// the freeze are what lets us reap each member after the kill.
//
// Why the membership check: cgroup.kill kills whatever is in the group at the time, and
// the decision saw only the snapshot — a protected or adj -1000 member, or one filtered
// out by min_adj, would die with it. When any pid in the group is not a checked victim
// the kill falls back to SIGKILL through each victim's own pidfd.
import { errorCode } from '../sys/errors.js';
import type { KillSys } from './kill-sys.js';

export interface GroupKill {
  /** The group's directory ("/sys/fs/cgroup/unified/apps/leak.scope"). */
  dir: string;
  /** cgroup.kill may be used: every process in the group is a victim with an open pidfd. */
  killFile: boolean;
  froze: boolean;
  /** One note for every victim's record (what was done to the group, and why not cgroup.kill). */
  notes: string[];
}

/** The cgroup2 mount point from /proc/self/mounts ("cgroup2 /sys/fs/cgroup/unified cgroup2 rw,..."). */
export function findCgroup2Root(sys: KillSys): string | undefined {
  try {
    for (const line of sys.readFile('/proc/self/mounts').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2' && f[1] !== undefined) return f[1].replace(/\\040/g, ' ');
    }
  } catch {
    /* no /proc/self/mounts: no group kills */
  }
  return undefined;
}

/** Pids in cgroup.procs of the group and of every group below it. */
function pidsIn(sys: KillSys, dir: string): number[] {
  const pids = sys.readFile(`${dir}/cgroup.procs`).split('\n').filter(Boolean).map(Number);
  for (const child of sys.listDirs?.(dir) ?? []) pids.push(...pidsIn(sys, `${dir}/${child}`));
  return pids;
}

function write(sys: KillSys, path: string, value: string): string | undefined {
  try {
    sys.writeFile(path, value);
    return undefined;
  } catch (e) {
    return errorCode(e) ?? String(e);
  }
}

/** Freeze the group and decide whether cgroup.kill may be used (victimPids: the pidfds we hold). */
export function prepareGroupKill(sys: KillSys, root: string | undefined, group: string, victimPids: ReadonlySet<number>): GroupKill {
  if (root === undefined) return { dir: group, killFile: false, froze: false, notes: ['scope-kill: no cgroup2 mount; each victim through its pidfd'] };
  const dir = `${root}${group === '/' ? '' : group}`;
  const notes: string[] = [];
  const frozeError = write(sys, `${dir}/cgroup.freeze`, '1');
  if (frozeError !== undefined) notes.push(`scope-kill: freeze failed (${frozeError})`);
  let killFile = false;
  try {
    const inGroup = new Set(pidsIn(sys, dir));
    const strangers = [...inGroup].filter((pid) => !victimPids.has(pid));
    const outside = [...victimPids].filter((pid) => !inGroup.has(pid));
    if (strangers.length > 0) notes.push(`scope-kill: cgroup.kill not used, ${strangers.length} process(es) in ${group} are not victims (e.g. ${strangers[0]})`);
    else if (outside.length > 0) notes.push(`scope-kill: cgroup.kill not used, victim ${outside[0]} is no longer in ${group}`);
    else killFile = true;
  } catch (e) {
    notes.push(`scope-kill: cannot list ${group} (${errorCode(e) ?? String(e)})`);
  }
  return { dir, killFile, froze: frozeError === undefined, notes };
}

/** One write to cgroup.kill; false (with a note) where the kernel has none (before 5.14) or it failed. */
export function killGroup(sys: KillSys, g: GroupKill): boolean {
  const error = write(sys, `${g.dir}/cgroup.kill`, '1');
  if (error === undefined) {
    g.notes.push(`scope-kill: ${g.froze ? 'froze, then ' : ''}cgroup.kill`);
    return true;
  }
  g.notes.push(`scope-kill: cgroup.kill failed (${error}); each victim through its pidfd`);
  g.killFile = false;
  return false;
}

/** Thaw the group after the reaps, so whatever a service manager starts there next is not born frozen. */
export function thawGroup(sys: KillSys, g: GroupKill): void {
  if (!g.froze) return;
  const error = write(sys, `${g.dir}/cgroup.freeze`, '0');
  // ENOENT: the group was removed once empty (systemd removes a scope when it empties).
  if (error !== undefined && error !== 'ENOENT') g.notes.push(`scope-kill: thaw failed (${error})`);
}

/** Threads pinned to the reaper's CPU for a whole-scope kill, and the kill thread's own affinity before. */
interface Pinning {
  cpu: number;
  selfBefore: number[];
  tids: number[];
}

/**
 * Measured on this project's 2-CPU machine: after cgroup.kill every member wakes at once,
 * and on the other CPU a member reaches exit_mm() within microseconds — process_mrelease
 * then says ESRCH for all of them (3 of 3 in the e2e test). So, while the group is frozen,
 * the kill thread and every victim thread are pinned to the kill thread's CPU: there the
 * real-time kill thread runs first, reaps every member in turn, and each member gets every
 * CPU back (boostVictim) once every member is reaped. This needs the kill thread at
 * real-time priority (self_protect, the default): a CFS kill thread is preempted there by
 * the woken members — measured, 1 to 2 of 3 reaped even with the members at SCHED_IDLE,
 * since their own cgroups' CPU weight still counts. Without the syscalls (test doubles)
 * nothing is pinned.
 */
export function pinToReaper(sys: KillSys, pids: readonly number[]): Pinning | undefined {
  if (!sys.currentCpu || !sys.schedSetaffinity || !sys.schedGetaffinity) return undefined;
  try {
    const selfBefore = sys.schedGetaffinity(0);
    const cpu = sys.currentCpu();
    sys.schedSetaffinity(0, [cpu]);
    const tids: number[] = [];
    for (const pid of pids) {
      let threads: number[] = [];
      try {
        threads = sys.listTasks(pid);
      } catch {
        continue; // gone: nothing to pin
      }
      for (const tid of threads) {
        try {
          sys.schedSetaffinity(tid, [cpu]);
          tids.push(tid);
        } catch {
          /* a thread that exited, or a cpuset without this CPU: it runs where it may */
        }
      }
    }
    return { cpu, selfBefore, tids };
  } catch {
    return undefined;
  }
}

/** Give the kill thread its CPUs back, and every pinned thread all CPUs (alsoVictims: boostVictim did not). */
export function unpin(sys: KillSys, p: Pinning, alsoVictims: boolean): void {
  try {
    sys.schedSetaffinity?.(0, p.selfBefore);
  } catch {
    /* keeps the one CPU: harmless */
  }
  if (!alsoVictims) return;
  for (const tid of p.tids) {
    try {
      sys.schedAllowAllCpus(tid);
    } catch {
      /* exited */
    }
  }
}
