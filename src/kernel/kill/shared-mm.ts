// A victim whose address space another live process shares (clone(CLONE_VM) without
// CLONE_THREAD, a vfork child before exec) cannot be reaped: process_mrelease says
// EINVAL, and the memory stays until every sharer is gone. Seed 001 kills every sharer,
// and reaps only when none of them is unkillable.
//
// Sharers are found with kcmp(KCMP_VM) against every thread group in /proc (about 1 µs
// each), at once when process_mrelease says EINVAL (or before the kill with
// scanSharersBeforeKill), while the victim still has its address space to compare. A
// sharer is signalled only through its own pidfd, after the same kind of identity check
// as a victim: the starttime the scan saw, read again after pidfd_open.
import { errorCode } from '../sys/errors.js';
import { KCMP_VM, SIGKILL } from '../sys/process.js';
import { closeQuietly, unkillableReason } from './identity.js';
import { readOomScoreAdj, readStatIdentity } from './proc.js';
import type { KillSys } from './kill-sys.js';

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

/**
 * Kill one sharer through a pidfd, checked like a victim's: the starttime seen by the
 * kcmp scan, read again after pidfd_open. (kcmp cannot be asked again: by now the
 * victim may have dropped its address space.)
 */
function killSharer(sys: KillSys, sharer: Sharer): { fd: number } | { note: string } {
  let fd: number;
  try {
    fd = sys.pidfdOpen(sharer.pid);
  } catch (e) {
    return { note: `shared-mm: ${sharer.pid} not opened (${errorCode(e) ?? String(e)})` };
  }
  const after = readStatIdentity(sys, sharer.pid);
  if (!after || after.startTime !== sharer.startTime) {
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

interface SharersKilled {
  /** pidfds of the sharers signalled (the caller closes them). */
  fds: number[];
  killed: number[];
  notes: string[];
  /** shared-mm-unkillable, or shared-mm when sharers are left alone by configuration. */
  error?: string;
}

/**
 * Kill every sharer of a victim's address space, but only when all of them may die:
 * killing some while an unkillable one keeps the memory frees nothing (seed 001).
 */
export function killSharers(sys: KillSys, sharers: readonly Sharer[], mode: 'kill' | 'skip'): SharersKilled {
  const out: SharersKilled = { fds: [], killed: [], notes: [] };
  const unkillable = sharers.filter((x) => x.unkillable);
  if (unkillable.length > 0) {
    out.error = 'shared-mm-unkillable';
    for (const x of unkillable) out.notes.push(`shared-mm: ${x.pid} shares it and is unkillable (${x.unkillable})`);
    return out;
  }
  if (sharers.length > 0 && mode === 'skip') {
    out.error = 'shared-mm';
    out.notes.push(`shared-mm: shared with ${sharers.map((x) => x.pid).join(', ')}; not killed (sharedMm=skip)`);
    return out;
  }
  for (const sharer of sharers) {
    const r = killSharer(sys, sharer);
    if ('fd' in r) {
      out.fds.push(r.fd);
      out.killed.push(sharer.pid);
      out.notes.push(`shared-mm: killed ${sharer.pid}`);
    } else out.notes.push(r.note);
  }
  return out;
}
