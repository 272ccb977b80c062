// Helping a SIGKILLed victim die (seed 000): thaw it, let it run on every CPU, and raise
// every thread to the lowest real-time priority — there is no telling which thread puts
// the last reference to the address space, and a low-priority one can take very long
// in exit_mmap(). Each step is optional; a failure is a note, never fatal.
import { errorCode } from '../sys/errors.js';
import { SCHED_RR } from '../sys/sched.js';
import { isGone } from './proc.js';
import { isFrozen, thawByMoving, type FreezerInfo } from './freezer.js';
import type { CoreConfig } from './types.js';
import type { KillSys } from './kill-sys.js';

/** The lowest real-time priority, as the seed uses (set_task_rt_prio(t, 1)). */
export const VICTIM_RT_PRIORITY = 1;

function threadsOf(sys: KillSys, pid: number): number[] {
  try {
    return sys.listTasks(pid);
  } catch (e) {
    if (isGone(e)) return [];
    throw e;
  }
}

/** Apply one per-thread call to every thread; return the first real failure's code. */
function eachThread(tids: readonly number[], fn: (tid: number) => void): string | undefined {
  let failure: string | undefined;
  for (const tid of tids) {
    try {
      fn(tid);
    } catch (e) {
      // A thread that already exited is fine (ESRCH).
      if (!isGone(e)) failure ??= errorCode(e) ?? String(e);
    }
  }
  return failure;
}

/** Thaw (v1 freezer), all CPUs, SCHED_RR 1; returns notes for the record. */
export function boostVictim(
  sys: KillSys,
  config: Pick<CoreConfig, 'thaw' | 'allCpus' | 'rtBoost' | 'thawCgroup'>,
  pid: number,
  freezer: FreezerInfo | undefined,
): string[] {
  const notes: string[] = [];
  if (config.thaw && freezer && isFrozen(freezer)) notes.push(thawByMoving(sys, freezer, pid, config.thawCgroup));
  if (!config.allCpus && !config.rtBoost) return notes;
  const tids = threadsOf(sys, pid);
  if (config.allCpus) {
    const failed = eachThread(tids, (tid) => sys.schedAllowAllCpus(tid));
    if (failed) notes.push(`affinity-failed: ${failed}`);
  }
  if (config.rtBoost) {
    const failed = eachThread(tids, (tid) => sys.schedSetscheduler(tid, SCHED_RR, VICTIM_RT_PRIORITY));
    if (failed) notes.push(`rt-boost-failed: ${failed}`);
  }
  return notes;
}
