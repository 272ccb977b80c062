// Helping a SIGKILLed victim die (seed 000): thaw it, let it run on every CPU, and raise
// every thread to the lowest real-time priority — there is no telling which thread puts
// the last reference to the address space, and a low-priority one can take very long
// in exit_mmap(). Each step is optional; a failure is a note, never fatal.
//
// What the boost needs to know of a victim (its threads, its v1 freezer cgroup) is read
// BEFORE the signal (gatherFacts): nothing under /proc/VICTIM is read once it is dying.
// A kernel patch under review (April 2026) notes that a read of a dying process's /proc
// files can hold up the teardown of its memory (a read that takes a reference on the mm
// makes the reader's mmput the last one, so exit_mmap runs in the reader, later). A
// thread created between the listing and the signal is not boosted (after SIGKILL no
// new thread can start: copy_process fails on a fatal signal pending).
import { errorCode } from '../sys/errors.js';
import { SCHED_RR } from '../sys/sched.js';
import { isGone } from './proc.js';
import { isFrozen, readFreezer, thawByMoving, type FreezerInfo } from './freezer.js';
import type { CoreConfig } from './types.js';
import type { KillSys } from './kill-sys.js';

/** The lowest real-time priority, as the seed uses (set_task_rt_prio(t, 1)). */
const VICTIM_RT_PRIORITY = 1;

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

/** What the boost and a delayed reap need of a victim, read before its signal. */
export interface VictimFacts {
  /** Its v1 freezer cgroup and state (with thaw or a reap delay; undefined: none, or not asked). */
  freezer: FreezerInfo | undefined;
  /** Its threads (with allCpus or rtBoost; else empty). */
  tids: number[];
}

/** Read, before the signal, what the steps after it will need (see the header). */
export function gatherFacts(
  sys: KillSys,
  config: Pick<CoreConfig, 'thaw' | 'allCpus' | 'rtBoost' | 'reapDelayMs'>,
  freezerRoot: string | undefined,
  pid: number,
): VictimFacts {
  const freezer = config.thaw || config.reapDelayMs > 0 ? readFreezer(sys, freezerRoot, pid) : undefined;
  return { freezer, tids: config.allCpus || config.rtBoost ? threadsOf(sys, pid) : [] };
}

/** Thaw (v1 freezer), all CPUs, SCHED_RR 1, from facts gathered before the signal; returns notes for the record. */
export function boostVictim(
  sys: KillSys,
  config: Pick<CoreConfig, 'thaw' | 'allCpus' | 'rtBoost' | 'thawCgroup'>,
  pid: number,
  facts: VictimFacts,
): string[] {
  const notes: string[] = [];
  const { freezer, tids } = facts;
  if (config.thaw && freezer && isFrozen(freezer)) notes.push(thawByMoving(sys, freezer, pid, config.thawCgroup));
  if (!config.allCpus && !config.rtBoost) return notes;
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
