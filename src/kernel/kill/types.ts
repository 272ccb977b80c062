// Options of the kill path and the messages between the killer (main thread) and the
// kill core (worker thread, or the main thread itself when useWorker is false).
import type { Clock } from '../../engine/ports.js';
import type { Victim } from '../../model/decision.js';
import type { KillSys } from './kill-sys.js';

interface ReapRetry {
  /** process_mrelease calls in all for one victim (EAGAIN/EINTR), first included. */
  attempts: number;
  /** Pause between two calls, ms. */
  backoffMs: number;
}

/** What the kill core needs: plain data, so it crosses into a worker thread. */
export interface CoreConfig {
  /** Move a victim out of a FROZEN/FREEZING cgroup v1 freezer into a thawed one. */
  thaw: boolean;
  /** Let the victim's threads run on every CPU. */
  allCpus: boolean;
  /** SCHED_RR priority 1 for every thread of the victim. */
  rtBoost: boolean;
  /** process_mrelease after SIGKILL. */
  reap: boolean;
  /** Wait this long before the first process_mrelease; never for a frozen victim (seed 003). */
  reapDelayMs: number;
  reapRetry: ReapRetry;
  /** A victim whose address space a live process shares: kill the sharers, or leave it. */
  sharedMm: 'kill' | 'skip';
  /**
   * Look for sharers before the kill as well (kcmp over /proc: ~4.5 µs per process,
   * measured). Without it sharers are found when process_mrelease says EINVAL; a victim
   * that reaches exit_mm() before our call (ESRCH) hides them, and the sharers keep
   * the memory. Off by default: it delays every kill for a rare case.
   */
  scanSharersBeforeKill: boolean;
  /** Name of the thawed sibling cgroup, created under the freezer root on demand. */
  thawCgroup: string;
  /** v1 freezer mount point; undefined: found in /proc/self/mounts. */
  freezerRoot?: string;
  /**
   * The kill thread runs itself at SCHED_FIFO with this priority (1–99); null leaves it
   * alone. A CFS kill thread is often preempted by the victim it just woke, which then
   * reaches exit_mm() before our process_mrelease (ESRCH: it frees its memory alone, at
   * SIGKILL-only speed). Measured in docs/kill-path.md. Not applied with useWorker: false.
   */
  threadRtPriority: number | null;
  /** A `protect` callback exists on the main thread: ask it about sharers. */
  askProtect: boolean;
}

export interface KernelKillerOptions extends Partial<Omit<CoreConfig, 'askProtect'>> {
  clock?: Clock;
  /** Run the kill path on its own worker thread (default true). */
  useWorker?: boolean;
  /** Extra protection for processes that share a victim's address space. */
  protect?: (pid: number) => boolean;
  /**
   * The system-call layer, for tests (spies, injected errnos). Only with useWorker:
   * false: functions do not cross into a worker thread.
   */
  sys?: KillSys;
}

export const DEFAULT_CORE_CONFIG: Omit<CoreConfig, 'askProtect'> = {
  thaw: true,
  allCpus: true,
  rtBoost: true,
  reap: true,
  reapDelayMs: 0,
  // Seed 001 tries 10 times; seed 000 retries every jiffy (4 ms here). 10 x 10 ms keeps
  // a stuck victim from holding the reaper for more than ~0.1 s.
  reapRetry: { attempts: 10, backoffMs: 10 },
  sharedMm: 'kill',
  scanSharersBeforeKill: false,
  thawCgroup: 'reapd-thawed',
  // Above the victims' SCHED_RR 1, below the kernel's threaded IRQs (SCHED_FIFO 50).
  threadRtPriority: 10,
};

/** What the core reports for one victim, in the order the victims were given. */
export interface Outcome {
  /** Handle of an open pidfd the core keeps until released (killed victims only). */
  key?: number;
  /** The pidfd itself: fds are process-wide, so the main thread can poll it. */
  fd?: number;
  killed: boolean;
  reaped: boolean;
  reapMs: number | null;
  /** Core time (see KillCore's `now`) when SIGKILL was sent. */
  signalAt: number | null;
  error?: string;
  notes: string[];
  /** A retry, a delayed reap or a shared-mm resolution is still to come (an Update). */
  pending: boolean;
}

/** A later change to one victim's outcome (reap retries, delayed reap, shared mm). */
export interface Update {
  key: number;
  reaped: boolean;
  reapMs: number | null;
  error?: string;
  notes: string[];
  /** Nothing more will follow for this key. */
  settled: boolean;
}

export interface BatchTiming {
  /** Core time the batch started (the worker received it). */
  startAt: number;
  /** Core time each SIGKILL left, per victim (null: not sent). */
  signalAt: (number | null)[];
  /** Core time the last first-attempt reap (and boost) finished. */
  doneAt: number;
}

export type ToCore =
  | { t: 'kill'; id: number; victims: Victim[]; dryRun: boolean; group?: string }
  | { t: 'release'; keys: number[] }
  | { t: 'protect-answer'; qid: number; protectedPids: number[] }
  | { t: 'close' };

export type FromCore =
  | { t: 'ready'; notes: string[] }
  | { t: 'killed'; id: number; outcomes: Outcome[]; timing: BatchTiming }
  | { t: 'update'; update: Update }
  | { t: 'protect-query'; qid: number; pids: number[] }
  | { t: 'failed'; id?: number; message: string };
