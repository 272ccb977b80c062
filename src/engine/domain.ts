// One memory domain's decision-making, the same in every runtime: the daemon's live loop
// (src/daemon/live-domain.ts adds triggers and warm-up), the simulator's driver
// (src/sim/driver.ts adds a virtual clock), and the watchdog thread's emergency reclaim.
// A Domain holds what a configuration says about a domain — the policy, its parameters,
// the reclaim timeout, the protection rules with min_adj among them, the dry run — plus
// what the running system adds (the table from LMK_TARGET, the dry-run hold), around one
// ReclaimEngine. So a daemon configuration replays in the simulator with the same victims.
import type { Decision, PolicyName } from '../model/decision.js';
import type { Snapshot } from '../model/snapshot.js';
import { POLICIES } from '../policy/registry.js';
import type { Level } from '../policy/table.js';
import type { Policy, PolicyContext, ProtectionRules, RegistryEntry } from '../policy/types.js';
import type { Clock, EventSink, JournalPort, Killer, ProcessSource, TriggerEvent } from './ports.js';
import { ReclaimEngine, type EngineSettings, type ReclaimOutcome } from './reclaim.js';
import type { ScopeSettings } from '../policy/scope/settings.js';
import { decideWithScopes } from '../policy/scope/decide.js';
import { EMPTY_HISTORY, type ScopeHistory } from '../policy/scope/history.js';

/** What a configuration says about one domain (config/types.ts DomainConfig is one). */
export interface DomainSettings {
  /** Names the domain in logs and the journal: "machine" or the cgroup path by default. */
  name: string;
  policy: PolicyName;
  /** The policy's parameters, in the policy's own type (src/policy/params.ts). */
  params: unknown;
  rules: ProtectionRules;
  /** Only processes with oom_score_adj >= minAdj are candidates; null: every adj. */
  minAdj: number | null;
  /** How long a reclaim waits for its victims to exit (the policy's own, else the default). */
  reclaimTimeoutMs: number;
  dryRun: boolean;
  /** The scope stage (scope = "cgroup", src/policy/scope); absent or mode "none": processes only. */
  scopes?: ScopeSettings;
}

/** What a domain's decisions rest on; the rest of DomainSettings is about acting on them. */
type DecisionSettings = Pick<DomainSettings, 'policy' | 'params' | 'rules' | 'minAdj' | 'scopes'>;

/** The runtime's adapters: the kernel's, or the virtual kernel's. */
interface DomainPorts {
  source: ProcessSource;
  killer: Killer;
  journal: JournalPort;
  events: EventSink;
  clock: Clock;
  selfPid?: number;
  /** lmkd's registry of processes, when a control socket feeds one. */
  registry?: () => ReadonlyMap<number, RegistryEntry>;
}

/** A trigger's outcome: the engine's, or held by a dry run's pretend wait. */
export type DomainOutcome = ReclaimOutcome | { kind: 'held' };

export class Domain {
  readonly policy: Policy<unknown, unknown>;
  readonly engine: ReclaimEngine<unknown, unknown>;
  private current: DomainSettings;
  /** The table from LMK_TARGET: the process manager owns it, so a reload keeps it. */
  private targetLevels: Level[] | undefined;
  /** After a dry-run "kill", events are absorbed until then, as if the victims took the whole timeout to die. */
  private holdUntilMs = -Infinity;

  constructor(
    settings: DomainSettings,
    private readonly ports: DomainPorts,
  ) {
    this.policy = POLICIES[settings.policy];
    this.current = settings;
    const deps: ConstructorParameters<typeof ReclaimEngine<unknown, unknown>>[0] = {
      domain: settings.name,
      policy: this.policy,
      source: ports.source,
      killer: ports.killer,
      journal: ports.journal,
      events: ports.events,
      clock: ports.clock,
    };
    if (ports.selfPid !== undefined) deps.selfPid = ports.selfPid;
    if (ports.registry) deps.registry = ports.registry;
    this.engine = new ReclaimEngine(deps, engineSettings(settings));
  }

  get name(): string {
    return this.current.name;
  }

  /** The settings in force (with LMK_TARGET's levels when it sent some). */
  get settings(): Readonly<DomainSettings> {
    return this.current;
  }

  /** Run a reclaim for this trigger (or let the running one, or a dry run's hold, absorb it). */
  async onTrigger(e: TriggerEvent): Promise<DomainOutcome> {
    if (e.atMs < this.holdUntilMs) {
      this.ports.events.log('debug', 'absorbed', `${e.source} ${e.level} absorbed: dry run holds the domain as if its victims were dying`, { domain: this.name });
      return { kind: 'held' };
    }
    const outcome = await this.engine.onTrigger(e);
    // A dry run frees nothing, so pressure persists: without this hold the domain would
    // decide (and journal) the same would-be kill at every pressure event.
    if (outcome.kind === 'killed' && this.current.dryRun) this.holdUntilMs = this.ports.clock.nowMs() + this.current.reclaimTimeoutMs;
    return outcome;
  }

  /**
   * The policy's decision on a snapshot with this domain's parameters and rules, from the
   * policy's initial state, without acting: the watchdog's emergency reclaim (whose
   * thread shares no state with the engine) and the daemon's warm-up use it.
   */
  decideAfresh(snapshot: Snapshot): Decision {
    return decideAfresh(this.current, snapshot, this.ports.clock.nowMs(), this.ports.selfPid);
  }

  /** Whether settings can be applied in place (same name, same policy). */
  canApply(next: DomainSettings): boolean {
    return next.name === this.current.name && next.policy === this.current.policy;
  }

  /**
   * New settings (SIGHUP reload) in place; policy state is kept, and so is a table set by
   * LMK_TARGET. Returns the settings now in force.
   */
  apply(next: DomainSettings): DomainSettings {
    const applied = this.targetLevels ? { ...next, params: withLevels(next.params, this.targetLevels) } : next;
    this.engine.configure(engineSettings(applied));
    if (!applied.dryRun) this.holdUntilMs = -Infinity; // the dry-run hold ends with the dry run
    this.current = applied;
    return applied;
  }

  /** True when a reload keeps levels that LMK_TARGET set. */
  get keepsTargetLevels(): boolean {
    return this.targetLevels !== undefined;
  }

  /** A minfree/adj table from the control socket (LMK_TARGET), for the policies that take one. */
  setLevels(levels: readonly Level[]): boolean {
    if (!this.policy.takesTableLevels) return false;
    this.targetLevels = levels.map((l) => ({ ...l }));
    const params = withLevels(this.current.params, this.targetLevels);
    this.engine.configure({ params });
    this.current = { ...this.current, params };
    return true;
  }
}

/**
 * A domain's decision on a snapshot from its policy's initial state, without acting: what
 * Domain.decideAfresh does, for a runtime that has settings and a snapshot but runs no
 * engine (the watchdog thread, which shares no state with the main loop's engine).
 */
export function decideAfresh(settings: DecisionSettings, snapshot: Snapshot, nowMs: number, selfPid?: number): Decision {
  const policy = POLICIES[settings.policy];
  return policy.decide(snapshot, policy.initialState(), settings.params, policyContext(settings, nowMs, selfPid));
}

/**
 * A domain's decisions on snapshots in turn, without acting: the rules with min_adj among
 * them, the scope stage, and the policy state and scope history carried from each
 * snapshot to the next, as the engine carries them from event to event — `reapd
 * explain`'s frames, decided as the daemon decides.
 */
export class DomainDecisions {
  readonly policy: Policy<unknown, unknown>;
  private state: unknown;
  private history: ScopeHistory = EMPTY_HISTORY;

  constructor(
    private readonly settings: DecisionSettings,
    private readonly selfPid?: number,
  ) {
    this.policy = POLICIES[settings.policy];
    this.state = this.policy.initialState();
  }

  /** The decision on this snapshot at nowMs; the next one starts from its state. */
  decide(snapshot: Snapshot, nowMs: number): Decision {
    const ctx = policyContext(this.settings, nowMs, this.selfPid);
    const scoped = decideWithScopes(this.policy, snapshot, this.state, this.settings.params, ctx, this.settings.scopes, this.history);
    this.history = scoped.history;
    this.state = scoped.decision.state;
    return scoped.decision;
  }
}

/** min_adj joins the protection rules, where every policy applies them (src/policy/protection.ts). */
function rulesOf(s: DecisionSettings): ProtectionRules {
  return s.minAdj === null ? s.rules : { ...s.rules, minAdj: s.minAdj };
}

function policyContext(s: DecisionSettings, nowMs: number, selfPid: number | undefined): PolicyContext {
  const ctx: PolicyContext = { nowMs, rules: rulesOf(s) };
  if (selfPid !== undefined) ctx.selfPid = selfPid;
  return ctx;
}

function engineSettings(s: DomainSettings): EngineSettings<unknown> {
  const out: EngineSettings<unknown> = { params: s.params, rules: rulesOf(s), reclaimTimeoutMs: s.reclaimTimeoutMs, dryRun: s.dryRun };
  if (s.scopes !== undefined) out.scopes = s.scopes;
  return out;
}

function withLevels(params: unknown, levels: readonly Level[]): unknown {
  return { ...(params as Record<string, unknown>), levels: levels.map((l) => ({ ...l })) };
}
