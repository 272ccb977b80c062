// The ports the engine runs against. The daemon plugs in kernel adapters (src/kernel),
// the simulator plugs in a virtual kernel (src/sim): same engine, same policies.
import type { KillRecord } from '../model/kill-record.js';
import type { Decision, Victim } from '../model/decision.js';
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { MemoryView } from '../model/memory-view.js';
import type { LogLevel } from '../model/log-level.js';

/** Time. The one place Date.now()/performance.now() live is the real adapter. */
export interface Clock {
  /** Monotonic milliseconds (any origin). */
  nowMs(): number;
  /** Wall-clock milliseconds since the epoch, for journal timestamps. */
  wallMs(): number;
}

/** Reads one memory domain: the whole machine or one cgroup. */
export interface ProcessSource {
  /** Full snapshot: memory state plus every candidate process in the domain. */
  scan(): Promise<Snapshot>;
  /** Memory only (cheap): for re-checking before a kill. */
  readMemory(): Promise<MemoryView>;
  /**
   * Optional, for sources whose scan() serves some fields from earlier reads (the kernel
   * source's incremental scan): re-read what the decision relied on for its victims.
   * undefined: the decision stands; a Snapshot: something was stale — a full, fresh
   * snapshot to decide again on.
   */
  recheck?(victims: readonly Victim[]): Promise<Snapshot | undefined>;
  /**
   * Optional, for sources whose scan() may serve sizes from an earlier read (the kernel
   * source's lazySizes, as lmkd reads a size only when its walk reaches the process's adj
   * slot): re-read the sizes of the last scan's processes that `used` names and that
   * were not read fresh. A Snapshot with them, or undefined when none of them was stale.
   */
  freshen?(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined>;
  /**
   * Optional, for sources whose scan() leaves oom_score out (the kernel source's
   * scoreOnDemand: the oom-score policy works it out from the sizes): read the kernel's
   * oom_score of the last scan's processes that `used` names and that lack it. A Snapshot
   * with them, or undefined when none of them lacked it.
   */
  readScores?(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined>;
  /** Optional: a reclaim just ended — bookkeeping the scan put off may run now. */
  afterReclaim?(): void;
}

export interface KillOptions {
  dryRun: boolean;
  /**
   * kill_unit "cgroup": the victims are every process of this cgroup2 group (path as
   * /proc/PID/cgroup names it). The kill path freezes it, kills it with cgroup.kill when
   * every process in it is a victim (else each victim through its pidfd), reaps every
   * victim largest anon first, then thaws the group.
   */
  group?: string;
}

/** What happened to one victim on the kill path. */
export interface KillResult {
  victim: Victim;
  /** SIGKILL was delivered through a pidfd whose identity was confirmed. */
  killed: boolean;
  /** process_mrelease returned 0 (or ESRCH after the victim freed its own memory: false). */
  reaped: boolean;
  /** Time process_mrelease took, ms; null when not called. */
  reapMs: number | null;
  /** Clock time the signal was sent (Clock.nowMs), for exitMs. */
  signalAtMs: number | null;
  /** Why the kill did not happen (e.g. "identity-changed", "gone"), when killed is false. */
  error?: string;
  notes: string[];
}

export interface Killer {
  /** Kill (and reap) the victims in order, on the kill path's own thread. */
  kill(victims: readonly Victim[], options: KillOptions): Promise<KillResult[]>;
  /**
   * Resolve when every killed victim exited or timeoutMs passed: per result, ms from
   * signal to exit, or null for a victim still alive at the timeout (reaping goes on).
   */
  waitForExit(results: readonly KillResult[], timeoutMs: number): Promise<(number | null)[]>;
}

export interface JournalPort {
  append(record: KillRecord): void;
}

/** What the engine tells the world. The daemon turns it into log lines and metrics. */
export interface EventSink {
  log(level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): void;
  /** scanMs: time in the source (scan, freshen, recheck) behind this decision, on the engine's clock. */
  decision(domain: string, decision: Decision, trigger: TriggerEvent, scanMs?: number): void;
  /**
   * The kill thread reported the batch (SIGKILL sent or not to each victim, reaping done),
   * before the wait for the exits: where the daemon's observers hear of it.
   */
  signalled?(domain: string, results: readonly KillResult[], dryRun: boolean): void;
  /** signalAtMs: when SIGKILL left (KillResult.signalAtMs), null when it did not. */
  kill(record: KillRecord, signalAtMs?: number | null): void;
}

/**
 * lmkd's polls after a PSI event (Policy.pollsAfterEvent): the daemon's timer and the
 * simulator send the same event, and it is not the kernel's (logged at debug, not counted).
 */
export const PSI_POLL = 'psi-poll';

export function psiPollEvent(atMs: number, detail: string): TriggerEvent {
  return { source: PSI_POLL, level: PSI_POLL, atMs, detail };
}

/** A reason to run a reclaim. */
export interface TriggerEvent {
  /** psi, psi-poll (lmkd's polls after a PSI event), vmpressure, oom-control, threshold, watchdog, manual … */
  source: string;
  /** critical, medium, low, or a threshold name. */
  level: string;
  /** Clock.nowMs when the event was seen. */
  atMs: number;
  detail?: string;
}
