// A victim whose address space another live process shares (clone(CLONE_VM) without
// CLONE_THREAD, a vfork child before exec) cannot be reaped: process_mrelease says
// EINVAL, and the memory stays until every sharer is gone. Seed 001 kills every sharer,
// and reaps only when none of them is unkillable.
//
// Sharers are found with kcmp(KCMP_VM) against every thread group in /proc (about 1 µs
// each). A sharer is signalled only through its own pidfd, after the same kind of
// identity check as a victim: starttime equal before and after pidfd_open, and kcmp
// still saying it shares the victim's address space once the pidfd is open.
import { errorCode } from '../sys/errors.js';
import { KCMP_VM, SIGKILL } from '../sys/process.js';
import { closeQuietly, unkillableReason } from './identity.js';
import { readOomScoreAdj, readStatIdentity } from './proc.js';
import type { KillSys } from './sys.js';

export interface Sharer {
  pid: number;
  startTime: number;
  /** Why it may not be killed; undefined when it may. */
  unkillable?: string;
}

function sharesVm(sys: KillSys, victimPid: number, pid: number): boolean {
  try {
    return sys.kcmp(victimPid, pid, KCMP_VM) === 0;
  } catch {
    // ESRCH (gone) or EPERM (no ptrace access): not a sharer we can act on.
    return false;
  }
}

/** Every other thread group sharing the victim's address space, with a verdict on each. */
export function findSharers(sys: KillSys, victimPid: number): Sharer[] {
  const sharers: Sharer[] = [];
  for (const pid of sys.listPids()) {
    if (pid === victimPid || !sharesVm(sys, victimPid, pid)) continue;
    const stat = readStatIdentity(sys, pid);
    if (!stat) continue;
    const adj = readOomScoreAdj(sys, pid);
    const sharer: Sharer = { pid, startTime: stat.startTime };
    const reason = unkillableReason(sys, pid, stat.flags, adj);
    if (reason) sharer.unkillable = reason;
    sharers.push(sharer);
  }
  return sharers;
}

/** Kill one sharer through a checked pidfd. Returns its pidfd (to close later) or a note. */
export function killSharer(sys: KillSys, victimPid: number, sharer: Sharer): { fd: number } | { note: string } {
  let fd: number;
  try {
    fd = sys.pidfdOpen(sharer.pid);
  } catch (e) {
    return { note: `shared-mm: ${sharer.pid} not opened (${errorCode(e) ?? String(e)})` };
  }
  const after = readStatIdentity(sys, sharer.pid);
  if (!after || after.startTime !== sharer.startTime || !sharesVm(sys, victimPid, sharer.pid)) {
    closeQuietly(sys, fd);
    return { note: `shared-mm: ${sharer.pid} changed before the kill; left alone` };
  }
  try {
    sys.pidfdSendSignal(fd, SIGKILL);
    return { fd };
  } catch (e) {
    closeQuietly(sys, fd);
    return { note: `shared-mm: ${sharer.pid} not signalled (${errorCode(e) ?? String(e)})` };
  }
}
