// The contract every policy implements. Policies are pure: (snapshot, state, params,
// context) -> decision with the next state. No clock, no I/O: time arrives as ctx.nowMs.
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { Decision, PolicyName } from '../model/decision.js';
import type { Headroom, MemoryView } from '../model/memory-view.js';

/** Match processes by name (comm) or cmdline regular expression, uid, or cgroup path prefix. */
export interface ProcessMatcher {
  /** Regular expression source matched against comm. */
  name?: string;
  /** Regular expression source matched against the cmdline (NUL separators shown as spaces). */
  cmdline?: string;
  uid?: number;
  /** Prefix matched against the cgroup2 path, then the v1 memory path. */
  cgroup?: string;
}

export interface ProtectionRules {
  /** Never killed. */
  protect: readonly ProcessMatcher[];
  /** Killed first: ranked above everything else at the same trigger. */
  prefer: readonly ProcessMatcher[];
  /** Killed last: only when nothing else would do. */
  avoid: readonly ProcessMatcher[];
  /**
   * min_adj: only processes with oom_score_adj >= minAdj are candidates (absent or null:
   * every adj). What lets a test, or a cautious operator, run on the whole machine while
   * only its own processes (at adj >= N) can ever die: the machine's sit at 0 or below.
   */
  minAdj?: number | null;
}

export const NO_RULES: ProtectionRules = { protect: [], prefer: [], avoid: [] };

/** One process registered over the lmkd control socket. */
export interface RegistryEntry {
  pid: number;
  uid: number;
  oomScoreAdj: number;
  /** 0 = app, 1 = service (lmkd's ptype). */
  processType: number;
  /** When it was (last) registered, on the engine's clock, ms. */
  registeredAtMs: number;
  /** lmkd's name for it (argv[0] from /proc/PID/cmdline), read at registration: the kill report's task name. */
  taskName?: string;
}

export interface PolicyContext {
  /** The engine's clock, ms (monotonic in the daemon, virtual in the simulator). */
  nowMs: number;
  /** The daemon's own pid; never a victim. Undefined when explaining a saved snapshot. */
  selfPid?: number;
  rules: ProtectionRules;
  /** lmkd: when non-empty, only these processes are candidates. */
  registry?: ReadonlyMap<number, RegistryEntry>;
  /** The level of the event that woke the engine ("critical", "medium", "poll" …; TriggerEvent.level). */
  eventLevel?: string;
}

/** A PSI trigger a policy asks for (lmkd's PSI strategy wants two, at two levels). */
export interface PsiWant {
  psiKind: 'some' | 'full';
  stallMs: number;
  windowMs: number;
  /** TriggerEvent.level its events carry. */
  level: 'medium' | 'critical';
}

/** Which signal a policy acts on (when-to-act, separate from whom-to-kill). */
export type TriggerKind =
  /** Critical memory pressure events: PSI trigger, vmpressure critical, memcg under_oom. */
  | 'pressure'
  /** Memory thresholds (minfree table, available %), read on events or adaptively. */
  | 'threshold';

export interface Policy<P = unknown, S = unknown> {
  readonly name: PolicyName;
  // The facts code outside src/policy/ asks instead of comparing a policy's name.
  /** Which signal it acts on: pressure events, or memory thresholds (read on events or polled). */
  readonly trigger: TriggerKind;
  /**
   * It ranks by the kernel's oom_score: a source reads /proc/PID/oom_score — of every
   * process, or, with scoresUsed, only of those that could change the decision.
   */
  readonly readsOomScore: boolean;
  /**
   * Optional: it reads the domain's PSI `full avg10` (MemoryState.psiFullAvg10, lmkd's
   * stall_limit_critical), so a source reads the pressure file at each memory read.
   */
  readonly readsStallAverage?: boolean;
  /** It runs on a minfree/adj table, which LMK_TARGET (the control socket) may replace. */
  readonly takesTableLevels: boolean;
  /** It serves lmkd's clients: a domain running it opens the lmkd control socket by default. */
  readonly servesLmkdClients: boolean;
  /** How far memory is from acting (paces the adaptive poller; never decides). */
  headroom(view: MemoryView, params: P): Headroom;
  /**
   * What this decision, made on this memory view, had to free, KiB (the simulator's
   * "needed", so overshoot = freed − needed means the same for every run of a policy).
   */
  neededKiB(view: MemoryView, params: P, decision: Decision<S>): number;
  /** Optional: the trigger kind for these parameters, when a mode changes it (lmkd's "psi" mode). */
  triggerFor?(params: P): TriggerKind;
  /** Optional: the PSI triggers the policy wants for these parameters (instead of the domain's one). */
  psiTriggers?(params: P): PsiWant[] | undefined;
  /**
   * Optional: with its own PSI triggers, the domain also runs the adaptive poll (events of
   * level "poll", gated by needsAction) — lmkd psi's available_low_percentage backstop.
   */
  pollsBetweenEvents?(params: P): boolean;
  /**
   * Optional: after each of its PSI events the domain re-assesses memory every intervalMs
   * for windowMs (events of level "psi-poll", which the policy judges as an event that is
   * not critical) — lmkd's polling after an event, since the kernel sends at most one per
   * trigger per window.
   */
  pollsAfterEvent?(params: P): { windowMs: number; intervalMs: number } | undefined;
  defaultParams(): P;
  initialState(): S;
  /**
   * Whether memory is low enough that this policy would act. Threshold policies use it
   * to decide when to scan; the engine uses it to re-check memory before a kill.
   */
  needsAction(view: MemoryView, params: P): boolean;
  /** Choose victims. The returned state assumes the victims are killed. */
  decide(snapshot: Snapshot, state: S, params: P, ctx: PolicyContext): Decision<S>;
  /**
   * Optional: the processes whose sizes this decision (made by decide on this snapshot)
   * depended on — changing any other process's size would not change it. A source that
   * serves some sizes from an earlier read re-reads these and the engine decides again
   * (ProcessSource.freshen). Without it every size counts, so nothing is served stale.
   */
  sizesUsed?(snapshot: Snapshot, decision: Decision<S>, params: P, ctx: PolicyContext): (p: ProcessInfo) => boolean;
  /**
   * Optional, for a policy that ranks by oom_score (readsOomScore): the processes whose
   * oom_score this decision rests on closely enough that the kernel's own value must be
   * read (ProcessSource.readScores); the others' worked-out scores cannot change it.
   */
  scoresUsed?(snapshot: Snapshot, decision: Decision<S>, params: P, ctx: PolicyContext): (p: ProcessInfo) => boolean;
  /** One line describing the parameters, for logs and `explain`. */
  describeParams(params: P): string;
  /**
   * The trigger's verdict on this memory view, with the numbers behind it (for `explain`
   * and logs). Optional so that test doubles need not implement it; every built-in
   * policy does.
   */
  explainTrigger?(view: MemoryView, params: P): TriggerReport;
}

/** One level of a minfree/adj table and how the memory view compares with it. */
export interface LevelReport {
  minfreeKiB: number;
  adj: number;
  /** other_free < minfree. */
  freeBelow: boolean;
  /** other_file < minfree. */
  fileBelow: boolean;
  /** The first level with both below: it sets the minimum adj. */
  applies: boolean;
}

/** What a policy's trigger sees in a memory view (explain's "Trigger" section). */
export interface TriggerReport {
  /** True when the trigger says act (for pressure policies: on every pressure event). */
  active: boolean;
  /** Facts for people, one per line, e.g. "other_free 40.0 MiB = free 52.0 MiB - reserve 12.0 MiB". */
  lines: string[];
  /** The same facts as named numbers, for --json (KiB, percent). */
  values: Record<string, number | string | boolean | null>;
  /** The minfree/adj table, for lowmemorykiller and lmkd. */
  levels?: LevelReport[];
}

/** The trigger kind a policy has with these parameters. */
export function triggerKindOf<P>(policy: Policy<P, unknown>, params: P): TriggerKind {
  return policy.triggerFor?.(params) ?? policy.trigger;
}
