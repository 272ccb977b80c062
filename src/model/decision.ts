// What a policy decides, and why. Every victim carries a reason code and a sentence
// (DESIGN.md example 9: observability in one place).
import { lmkdTaskNameOf } from './task-name.js';
import type { ProcessInfo } from './snapshot.js';

export type PolicyName = 'simple-lmk' | 'lowmemorykiller' | 'lmkd' | 'oom-score';
export const POLICY_NAMES: readonly PolicyName[] = ['simple-lmk', 'lowmemorykiller', 'lmkd', 'oom-score'];

/** Why a process is not a candidate. */
export type SkipReason =
  | 'pid-1'
  | 'self'
  | 'kernel-thread'
  | 'zombie'
  | 'exiting'
  | 'adj-unkillable' // oom_score_adj -1000
  | 'adj-below-min' // below the policy's minimum adj (simple-lmk: < 0; table: < level adj)
  | 'protected' // matched a protect rule
  | 'min-adj' // below the domain's min_adj (configuration, --min-adj)
  | 'no-memory' // nothing resident to free
  | 'not-registered' // lmkd: a registry exists and this pid is not in it
  | 'outside-domain'; // not in the memory domain's cgroup

export interface Skip {
  pid: number;
  name: string;
  reason: SkipReason;
}

/** A candidate after ranking, in the policy's order (first = first to die). */
export interface RankedCandidate {
  pid: number;
  name: string;
  oomScoreAdj: number;
  sizeKiB: number;
  rank: number;
  /** Score the policy ranked by (adj, oom_score, …), for display. */
  score?: number;
  /** Why this candidate is (or is not) a victim, in one sentence. */
  note?: string;
}

export interface Victim {
  pid: number;
  /** starttime from the snapshot: the kill path checks identity against it. */
  startTime: number;
  name: string;
  uid: number;
  oomScoreAdj: number;
  /** What the policy expects the kill to free, KiB. */
  sizeKiB: number;
  rssAnonKiB: number;
  /** Reason code (see REASON_TEXT) and a human sentence. */
  reason: DecisionReason;
  why: string;
  /** A table policy's kill: the adj of the minfree level that applied (lmkd's min_oom_score). */
  levelAdj?: number;
  /** lmkd's name for it (model/task-name.ts) from the scan's cmdline, when it differs from `name`. */
  taskName?: string;
  /**
   * Its cgroup2 path as the scan last read /proc/PID/cgroup (ProcessInfo.cgroupV2): what
   * the kill path reports (D-Bus Killed's scope) without reading the victim once it is dying.
   */
  cgroupV2?: string;
  /** The scope (cgroup2 path as /proc/PID/cgroup names it, or "pid:N") the victim was chosen in, when scopes are on. */
  scope?: string;
  /** The scope's size when it was chosen, KiB. */
  scopeKiB?: number;
  /** Why that scope was chosen, in one sentence. */
  scopeWhy?: string;
}

export type DecisionReason =
  | 'minfree' // simple-lmk: freeing at least minfree
  | 'level' // lowmemorykiller/lmkd: a minfree level applies
  | 'low-memory' // oom-score: available memory below threshold
  | 'low-swap' // oom-score: swap below threshold as well
  | 'memcg-limit' // a cgroup domain is at its limit
  | 'pressure' // a pressure event with no threshold
  // lmkd's PSI strategy (mp_event_psi), one per enum kill_reasons value 0..8:
  | 'pressure-after-kill' // the min watermark is breached even after a kill
  | 'not-responding' // a critical (PSI full) event: the device stalls
  | 'low-swap-and-thrashing' // swap is low and the page cache thrashes
  | 'low-mem-and-swap' // the low watermark is breached and swap is low
  | 'low-mem-and-thrashing' // the low watermark is breached and the page cache thrashes
  | 'direct-reclaim-and-thrashing' // allocations reclaim directly and the page cache thrashes
  | 'low-mem-and-swap-util' // the low watermark is breached and most anon memory is in swap
  | 'low-filecache-after-thrashing' // the file cache stayed small after thrashing
  | 'low-mem' // lmkd's fallback (code 8): the low watermark is breached, adj >= lowmem_min_oom_score
  | 'none';

export interface Decision<S = unknown> {
  policy: PolicyName;
  victims: Victim[];
  candidates: RankedCandidate[];
  skipped: Skip[];
  reason: DecisionReason;
  /** One sentence saying what was decided and why (or why nothing). */
  summary: string;
  /** KiB the policy aimed to free, when it has a target. */
  targetKiB?: number;
  /**
   * candidates.length, where the policy ranks them only on first read (withLazyCandidates):
   * a log line can count them without ranking them.
   */
  candidateCount?: number;
  /** With scopes on (scope = "cgroup"): the scope ranking and the chosen scope (src/policy/scope). */
  scopes?: ScopeDecision;
  state: S;
}

/** One scope as the scope stage ranked it (explain's "Scopes" table). */
export interface RankedScope {
  /** cgroup2 path as /proc/PID/cgroup names it ("/app.slice/app-firefox.scope"), or "pid:N" for a process outside scope_root. */
  path: string;
  rank: number;
  /** How the scope stage treats it: never chosen (omit), last (avoid), first (prefer), or normal. */
  tier: 'prefer' | 'normal' | 'avoid' | 'omit';
  /** Where the tier came from: "xattr user.oomd_avoid", "scope_avoid /x/*", … */
  tierWhy?: string;
  processes: number;
  sizeKiB: number;
  /** Growth over the ranking window, KiB; null when there is no earlier sample. */
  growthKiB: number | null;
  /** Why this scope is (or is not) the chosen one. */
  note: string;
}

export interface ScopeDecision {
  /** How scopes were ordered: "growth" (the leaker first, then size) or "size". */
  rank: 'growth' | 'size';
  windowMs: number;
  ranking: RankedScope[];
  /** The chosen scope, when one was. */
  chosen?: string;
  chosenKiB?: number;
  why?: string;
  /** "process": the policy's own choice inside the scope; "cgroup": every member. */
  killUnit: 'process' | 'cgroup';
  /**
   * kill_unit "cgroup" on a real cgroup (not a single-process scope): the kill path may
   * freeze it and use cgroup.kill; it checks that every process in it is a victim first.
   */
  group?: string;
}

export function victimFrom(p: ProcessInfo, sizeKiB: number, reason: DecisionReason, why: string): Victim {
  const v: Victim = {
    pid: p.pid,
    startTime: p.startTime,
    name: p.name,
    uid: p.uid,
    oomScoreAdj: p.oomScoreAdj,
    sizeKiB,
    rssAnonKiB: p.rssAnonKiB,
    reason,
    why,
  };
  if (p.cgroupV2 !== undefined) v.cgroupV2 = p.cgroupV2;
  // Read now, while it lives: after the kill its cmdline is gone.
  const taskName = lmkdTaskNameOf(p.cmdline);
  if (taskName !== undefined && taskName !== p.name) v.taskName = taskName;
  return v;
}

/**
 * The decision with `candidates` computed on first read (then kept). Ranking thousands of
 * candidates with a note each is for `explain` and the log line, not for choosing the
 * victims: the daemon's log line needs only their number (candidateCount). To every
 * reader it is an ordinary enumerable property.
 */
export function withLazyCandidates<S>(
  d: Omit<Decision<S>, 'candidates' | 'candidateCount'>,
  count: number,
  rank: () => RankedCandidate[],
): Decision<S> {
  let ranked: RankedCandidate[] | undefined;
  Object.defineProperty(d, 'candidates', {
    enumerable: true,
    configurable: true,
    get: () => (ranked ??= rank()),
    set: (value: RankedCandidate[]) => {
      ranked = value;
    },
  });
  const out = d as Decision<S>;
  out.candidateCount = count;
  return out;
}
