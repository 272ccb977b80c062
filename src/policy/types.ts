// The contract every policy implements. Policies are pure: (snapshot, state, params,
// context) -> decision with the next state. No clock, no I/O: time arrives as ctx.nowMs.
import type { CgroupMemory, MemoryState, Snapshot } from '../model/snapshot.js';
import type { Decision, PolicyName } from '../model/decision.js';

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
}

export interface PolicyContext {
  /** The engine's clock, ms (monotonic in the daemon, virtual in the simulator). */
  nowMs: number;
  /** The daemon's own pid; never a victim. Undefined when explaining a saved snapshot. */
  selfPid?: number;
  rules: ProtectionRules;
  /** lmkd: when non-empty, only these processes are candidates. */
  registry?: ReadonlyMap<number, RegistryEntry>;
}

/** Which signal a policy acts on (when-to-act, separate from whom-to-kill). */
export type TriggerKind =
  /** Critical memory pressure events: PSI trigger, vmpressure critical, memcg under_oom. */
  | 'pressure'
  /** Memory thresholds (minfree table, available %), read on events or adaptively. */
  | 'threshold';

export interface MemoryView {
  memory: MemoryState;
  cgroup?: CgroupMemory;
}

export interface Policy<P = unknown, S = unknown> {
  readonly name: PolicyName;
  readonly trigger: TriggerKind;
  defaultParams(): P;
  initialState(): S;
  /**
   * Whether memory is low enough that this policy would act. Threshold policies use it
   * to decide when to scan; the engine uses it to re-check memory before a kill.
   */
  needsAction(view: MemoryView, params: P): boolean;
  /** Choose victims. The returned state assumes the victims are killed. */
  decide(snapshot: Snapshot, state: S, params: P, ctx: PolicyContext): Decision<S>;
  /** One line describing the parameters, for logs and `explain`. */
  describeParams(params: P): string;
}
