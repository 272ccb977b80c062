// Open a pidfd on the process that was ranked, or on nothing.
//
// A pid alone names whoever holds it now. The ranking snapshot recorded (pid, starttime);
// we read starttime, open the pidfd, and read starttime again: if both reads equal the
// snapshot's value, the pidfd refers to the ranked process (a reuse between the reads
// would show the new process's starttime in the second one). From then on the pidfd,
// not the pid, names the victim: a signal through it can never reach a later holder
// of the pid (kernel-interfaces §3.2). pidfd_open without PIDFD_THREAD also refuses a
// pid that is now a thread of some other process (ENOENT).
//
// Limit: starttime counts clock ticks (10 ms here). A pid reused by a process started
// in the same tick as the ranked one passes; the pid allocator wraps pid_max first.
import { errorCode } from '../sys/errors.js';
import type { Victim } from '../../model/decision.js';
import { PF_KTHREAD } from '../parse/stat.js';
import { readOomScoreAdj, readStatIdentity } from './proc.js';
import type { KillSys } from './kill-sys.js';
import { OOM_SCORE_ADJ_MIN } from '../../model/limits.js';

type IdentityResult = { fd: number } | { error: string; note?: string };

/** Why a pid may never be signalled, or undefined. */
export function unkillableReason(sys: KillSys, pid: number, flags: number | undefined, adj: number | undefined): string | undefined {
  if (pid <= 1) return 'pid 1';
  if (pid === sys.selfPid) return 'the daemon itself';
  if (flags !== undefined && (flags & PF_KTHREAD) !== 0) return 'kernel thread';
  if (adj === OOM_SCORE_ADJ_MIN) return 'oom_score_adj -1000';
  return undefined;
}

function closeQuietly(sys: KillSys, fd: number): void {
  try {
    sys.close(fd);
  } catch {
    /* nothing useful to do */
  }
}

/** Steps 1–3 of the kill: check the pid, open its pidfd, check again. Never signals. */
function openVictim(sys: KillSys, victim: Victim): IdentityResult {
  const { pid } = victim;
  const early = unkillableReason(sys, pid, undefined, undefined);
  if (early) return { error: 'protected', note: `protected: ${early}` };
  const before = readStatIdentity(sys, pid);
  if (!before) return { error: 'gone' };
  if (before.startTime !== victim.startTime) {
    return { error: 'identity-changed', note: `starttime ${before.startTime}, ranked ${victim.startTime}` };
  }
  let fd: number;
  try {
    fd = sys.pidfdOpen(pid);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ESRCH') return { error: 'gone' };
    // ENOENT: the pid is a thread of another thread group now.
    if (code === 'ENOENT') return { error: 'identity-changed', note: 'pid is no longer a thread-group leader' };
    return { error: `pidfd-open-failed: ${code ?? String(e)}` };
  }
  const after = readStatIdentity(sys, pid);
  const adj = after ? readOomScoreAdj(sys, pid) : undefined;
  if (!after || adj === undefined) {
    closeQuietly(sys, fd);
    return { error: 'gone' };
  }
  if (after.startTime !== victim.startTime) {
    closeQuietly(sys, fd);
    return { error: 'identity-changed', note: `starttime ${after.startTime} after pidfd_open, ranked ${victim.startTime}` };
  }
  const reason = unkillableReason(sys, pid, after.flags, adj);
  if (reason) {
    closeQuietly(sys, fd);
    return { error: 'protected', note: `protected: ${reason}` };
  }
  return { fd };
}

export { closeQuietly };

export interface OpenedVictim {
  /** Index in the batch (the policy's order). */
  index: number;
  fd: number;
}

/** Check and open every victim of a batch; report each failure, never signal. */
export function openVictims(
  sys: KillSys,
  victims: readonly Victim[],
  failed: (index: number, error: string, note?: string) => void,
): OpenedVictim[] {
  const opened: OpenedVictim[] = [];
  const seen = new Set<number>();
  victims.forEach((victim, index) => {
    if (seen.has(victim.pid)) return failed(index, 'duplicate');
    seen.add(victim.pid);
    let result: IdentityResult;
    try {
      result = openVictim(sys, victim);
    } catch (e) {
      result = { error: `identity-check-failed: ${errorCode(e) ?? String(e)}` };
    }
    if ('fd' in result) opened.push({ index, fd: result.fd });
    else failed(index, result.error, result.note);
  });
  return opened;
}
