// One line of the kill journal (docs/journal-format.md). Field names are a contract.
import type { DecisionReason, PolicyName } from './decision.js';

export type KillRecordStage = 'signalled' | 'final';

export interface KillRecord {
  /** ISO 8601. */
  time: string;
  pid: number;
  name: string;
  uid: number;
  oomScoreAdj: number;
  sizeKiB: number;
  anonKiB: number;
  policy: PolicyName;
  reason: DecisionReason;
  /** The policy's sentence. */
  why?: string;
  /** SIGKILL went out through a checked pidfd. Optional: readers infer it when absent. */
  killed?: boolean;
  /** process_mrelease released the victim's memory (returned 0). */
  reaped: boolean;
  /** Time process_mrelease took, ms; null when not called or not supported. */
  reapMs: number | null;
  /** Signal to exit, ms; null when the victim had not exited by the timeout. */
  exitMs: number | null;
  dryRun: boolean;
  /** Memory domain: "machine" or the cgroup path. */
  domain?: string;
  /** The scope the victim was chosen in (scope = "cgroup"), its size when chosen and why it was chosen. */
  scope?: string;
  scopeKiB?: number;
  scopeWhy?: string;
  /** What went wrong, when the kill or reap did not go as planned (e.g. "identity-changed"). */
  error?: string;
  /** Notes such as "thawed", "rt-boost-failed: EPERM", "shared-mm: killed 4242". */
  notes?: string[];
  /**
   * A kill is journalled twice: "signalled" when SIGKILL went out (exitMs still null),
   * "final" after the wait for its exit, so a crash during the wait loses no kill.
   * Absent: a kill recorded once (not killed, dry run, journals of earlier versions).
   */
  stage?: KillRecordStage;
  /** The same for both records of one kill. */
  killId?: string;
  /** A table policy's kill (lowmemorykiller, lmkd): the adj of the minfree level that applied. */
  levelAdj?: number;
  /** lmkd's name for the victim (argv[0] of its cmdline, cut at the first space, ≤ 127 bytes), when it differs from `name`. */
  taskName?: string;
}
