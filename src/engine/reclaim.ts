// One reclaim at a time, as Simple LMK runs it (seed 000, scan_and_kill):
// trigger -> snapshot -> decide -> re-check -> kill -> reap -> wait -> record.
// Triggers that arrive while a reclaim runs are absorbed by it (the seed clears its
// needs_reclaim flag only after the reclaim ends).
import type { Decision, PolicyName } from '../model/decision.js';
import type { Snapshot } from '../model/snapshot.js';
import type { KillRecord } from '../model/kill-record.js';
import { triggerKindOf, type Policy, type PolicyContext, type ProtectionRules, type RegistryEntry } from '../policy/types.js';
import { PSI_POLL, type Clock, type EventSink, type JournalPort, type Killer, type KillResult, type ProcessSource, type TriggerEvent } from './ports.js';
import { killRecordFrom } from './record.js';
import { settleAfter, staleBecause, type Settle } from './settle.js';
import { scopesOn, type ScopeSettings } from '../policy/scope/settings.js';
import { decideWithScopes, observeScopes } from '../policy/scope/decide.js';
import { EMPTY_HISTORY, type ScopeHistory } from '../policy/scope/history.js';

export interface EngineSettings<P> {
  params: P;
  rules: ProtectionRules;
  /** How long a reclaim waits for its victims to exit before it proceeds (seed 000). */
  reclaimTimeoutMs: number;
  dryRun: boolean;
  /** The scope stage (scope = "cgroup"); absent or mode "none": processes only. */
  scopes?: ScopeSettings;
}

export interface EngineDeps<P, S> {
  /** "machine" or the cgroup path: names the domain in logs and the journal. */
  domain: string;
  policy: Policy<P, S>;
  source: ProcessSource;
  killer: Killer;
  journal: JournalPort;
  events: EventSink;
  clock: Clock;
  selfPid?: number;
  /** lmkd's registry of processes, when a control socket feeds one. */
  registry?: () => ReadonlyMap<number, RegistryEntry>;
}

export type ReclaimOutcome =
  | { kind: 'absorbed' }
  | { kind: 'no-action'; reason: string }
  | { kind: 'no-victims'; decision: Decision }
  | { kind: 'recovered'; decision: Decision }
  | { kind: 'killed'; decision: Decision; records: KillRecord[]; timedOut: boolean };

/** Rounds of re-reading the sizes a decision used before every stale size is re-read. */
const MAX_FRESHEN_ROUNDS = 3;

export class ReclaimEngine<P = unknown, S = unknown> {
  private settings: EngineSettings<P>;
  private state: S;
  private running = false;
  /** Time spent in the source for the reclaim in progress (scan, freshen, recheck), ms. */
  private scanMs = 0;
  /** The level of the event the running reclaim serves (PolicyContext.eventLevel). */
  private eventLevel: string | undefined;
  private absorbedCount = 0;
  private reclaims = 0;
  /** The last reclaim that killed, for a pressure policy: later events are checked against it (settle.ts). */
  private settle: Settle | undefined;
  /** The memory the last decision was made on. */
  private decidedOn: Snapshot | undefined;
  /** Scope sizes seen at earlier events and samples (the scope stage's growth window). */
  private scopeHistory: ScopeHistory = EMPTY_HISTORY;

  constructor(
    private readonly deps: EngineDeps<P, S>,
    settings: EngineSettings<P>,
  ) {
    this.settings = settings;
    this.state = deps.policy.initialState();
  }

  get policyName(): PolicyName {
    return this.deps.policy.name;
  }

  get domain(): string {
    return this.deps.domain;
  }

  get busy(): boolean {
    return this.running;
  }

  get stats(): { reclaims: number; absorbed: number } {
    return { reclaims: this.reclaims, absorbed: this.absorbedCount };
  }

  /** Policy state, for tests and the simulator's reports. */
  get policyState(): S {
    return this.state;
  }

  /** New parameters (SIGHUP reload, LMK_TARGET). Policy state is kept. */
  configure(settings: Partial<EngineSettings<P>>): void {
    this.settings = { ...this.settings, ...settings };
  }

  get currentSettings(): Readonly<EngineSettings<P>> {
    return this.settings;
  }

  /** Run a reclaim for this trigger, or absorb it when one is already running. */
  async onTrigger(trigger: TriggerEvent): Promise<ReclaimOutcome> {
    if (this.running) {
      this.absorbedCount++;
      this.deps.events.log('debug', 'absorbed', `${trigger.source} ${trigger.level} absorbed by the running reclaim`, {
        domain: this.deps.domain,
      });
      return { kind: 'absorbed' };
    }
    this.running = true;
    try {
      this.reclaims++;
      return await this.reclaim(trigger);
    } finally {
      this.running = false;
    }
  }

  private context(): PolicyContext {
    const ctx: PolicyContext = { nowMs: this.deps.clock.nowMs(), rules: this.settings.rules };
    if (this.eventLevel !== undefined) ctx.eventLevel = this.eventLevel;
    if (this.deps.selfPid !== undefined) ctx.selfPid = this.deps.selfPid;
    if (this.deps.registry) ctx.registry = this.deps.registry();
    return ctx;
  }

  /** A read from the source, its time added to the reclaim's scan time. */
  private async timed<T>(read: () => Promise<T>): Promise<T> {
    const start = this.deps.clock.nowMs();
    try {
      return await read();
    } finally {
      this.scanMs += this.deps.clock.nowMs() - start;
    }
  }

  /**
   * Whether memory decides if this reclaim acts: always for a threshold policy, and for a
   * pressure policy when its own poll woke it between pressure events (lmkd psi's
   * available_low_percentage backstop) — a pressure event itself is the policy's to judge.
   */
  private gatedByMemory(): boolean {
    return triggerKindOf(this.deps.policy, this.settings.params) === 'threshold' || this.eventLevel === 'poll';
  }

  /** The policy's decision on a snapshot, or undefined when memory needs no action. */
  private decideOn(snapshot: Snapshot): Decision<S> | undefined {
    const { policy } = this.deps;
    const { params } = this.settings;
    if (this.gatedByMemory() && !policy.needsAction(snapshot, params)) return undefined;
    // Without scopes the policy decides alone (what decideWithScopes does then, one call less).
    if (!scopesOn(this.settings.scopes)) return policy.decide(snapshot, this.state, params, this.context());
    const scoped = decideWithScopes(policy, snapshot, this.state, params, this.context(), this.settings.scopes, this.scopeHistory);
    this.scopeHistory = scoped.history;
    return scoped.decision;
  }

  /**
   * Remember the scopes' sizes between events (scope = "cgroup"): the daemon calls this
   * every second so that the first event already knows which scope grew. Skipped while a
   * reclaim runs (that reclaim records its own sample).
   */
  async sampleScopes(): Promise<void> {
    if (this.running || !scopesOn(this.settings.scopes)) return;
    const snapshot = await this.deps.source.scan();
    if (this.running) return;
    this.scopeHistory = observeScopes(snapshot, this.settings.scopes, this.scopeHistory, this.deps.clock.nowMs());
  }

  /**
   * decideOn, and with a source that served some sizes from an earlier read: re-read the
   * sizes the decision used (Policy.sizesUsed; every size for a policy without it) and
   * decide again, until the decision rests on fresh sizes only. Each round re-reads at
   * least one size and no size twice, so it ends; after a few rounds everything stale is
   * re-read at once.
   */
  private async decideOnFreshSizes(first: Snapshot): Promise<Decision<S> | undefined> {
    const { policy, source } = this.deps;
    const { params } = this.settings;
    let snapshot = first;
    let decision = this.decideOn(snapshot);
    for (let round = 1; decision !== undefined && source.freshen !== undefined; round++) {
      const used = round <= MAX_FRESHEN_ROUNDS ? policy.sizesUsed?.(snapshot, decision, params, this.context()) : undefined;
      const freshen = source.freshen.bind(source);
      const fresher = await this.timed(() => freshen(used ?? (() => true)));
      if (fresher === undefined) break;
      snapshot = fresher;
      decision = this.decideOn(snapshot);
    }
    return this.decideOnKernelScores(snapshot, decision);
  }

  /**
   * With a source that left oom_score out and a policy that ranks by it: read the kernel's
   * oom_score of the processes the decision rests on (Policy.scoresUsed) and decide again,
   * until none of them lacks it. Each round reads at least one score and none twice; after
   * a few rounds every missing score is read at once.
   */
  private async decideOnKernelScores(first: Snapshot, firstDecision: Decision<S> | undefined): Promise<Decision<S> | undefined> {
    const { policy, source } = this.deps;
    const { params } = this.settings;
    let snapshot = first;
    let decision = firstDecision;
    for (let round = 1; decision !== undefined && source.readScores !== undefined && policy.scoresUsed !== undefined; round++) {
      const used = round <= MAX_FRESHEN_ROUNDS ? policy.scoresUsed(snapshot, decision, params, this.context()) : () => true;
      const readScores = source.readScores.bind(source);
      const fresher = await this.timed(() => readScores(used));
      if (fresher === undefined) break;
      snapshot = fresher;
      decision = this.decideOn(snapshot);
    }
    return decision;
  }

  private async reclaim(trigger: TriggerEvent): Promise<ReclaimOutcome> {
    const { policy, source, events } = this.deps;
    this.eventLevel = trigger.level;
    const { params } = this.settings;
    const stale = this.settle && (await this.staleEvent(this.settle));
    if (stale) {
      this.absorbedCount++;
      events.log(trigger.level === PSI_POLL ? 'debug' : 'info', 'absorbed', `${trigger.source} ${trigger.level} absorbed: ${stale}`, { domain: this.deps.domain, why: stale });
      return { kind: 'absorbed' };
    }
    this.scanMs = 0;
    this.decidedOn = await this.timed(() => source.scan());
    let decision = await this.decideOnFreshSizes(this.decidedOn);
    // A source that served some facts from earlier reads confirms the victims; when one
    // was stale (exiting, a zombie, another process now) it hands a fresh snapshot back.
    const victims = decision?.victims ?? [];
    const fresh = victims.length > 0 && source.recheck ? await this.timed(async () => source.recheck?.(victims)) : undefined;
    if (fresh) decision = this.decideOn(fresh);
    if (!decision) return { kind: 'no-action', reason: 'memory is above every threshold' };
    events.decision(this.deps.domain, decision, trigger, this.scanMs);
    if (decision.victims.length === 0) {
      this.state = decision.state;
      return { kind: 'no-victims', decision };
    }
    // Things change while we select (earlyoom re-reads memory before it kills).
    if (this.gatedByMemory() && !policy.needsAction(await source.readMemory(), params)) {
      events.log('info', 'recovered', 'memory recovered before the kill; nothing killed', { domain: this.deps.domain });
      return { kind: 'recovered', decision };
    }
    this.state = decision.state;
    return this.kill(decision);
  }

  private async kill(decision: Decision): Promise<ReclaimOutcome> {
    const { killer, clock, events, journal } = this.deps;
    const { dryRun, reclaimTimeoutMs } = this.settings;
    const group = decision.scopes?.group;
    const results = await killer.kill(decision.victims, group === undefined ? { dryRun } : { dryRun, group });
    events.signalled?.(this.deps.domain, results, dryRun);
    const stages = this.journalSignalled(decision, results);
    const exits = dryRun
      ? results.map(() => null)
      : await killer.waitForExit(results.filter((r) => r.killed), reclaimTimeoutMs);
    const killed = results.filter((r) => r.killed);
    const timedOut = !dryRun && exits.some((e) => e === null);
    if (timedOut) {
      events.log('warn', 'timeout', 'Timeout hit waiting for victims to die, proceeding', {
        domain: this.deps.domain,
        timeoutMs: reclaimTimeoutMs,
      });
    }
    const wallMs = clock.wallMs();
    const records = results.map((r) => {
      const exitMs = r.killed ? (exits[killed.indexOf(r)] ?? null) : null;
      const killId = stages.get(r);
      const record = killRecordFrom(r, exitMs, {
        policy: decision.policy,
        wallMs,
        dryRun,
        domain: this.deps.domain,
        ...(killId !== undefined ? { stage: { stage: 'final' as const, killId } } : {}),
      });
      journal.append(record);
      events.kill(record, r.signalAtMs);
      return record;
    });
    this.settleOn(decision, killed);
    return { kind: 'killed', decision, records, timedOut };
  }

  /** Why this event is stale, checked against the memory now; undefined: act on it. */
  private async staleEvent(s: Settle): Promise<string | undefined> {
    if (this.deps.clock.nowMs() >= s.untilMs) {
      this.settle = undefined;
      return undefined;
    }
    return staleBecause(s, this.deps.clock.nowMs(), await this.deps.source.readMemory());
  }

  /** A pressure policy's kills open a settle window as long as the reclaim timeout. */
  private settleOn(decision: Decision, killed: readonly KillResult[]): void {
    this.settle = undefined;
    if (triggerKindOf(this.deps.policy, this.settings.params) !== 'pressure' || this.settings.dryRun || killed.length === 0 || !this.decidedOn) return;
    const freedKiB = killed.reduce((sum, r) => sum + r.victim.sizeKiB, 0);
    this.settle = settleAfter(decision, freedKiB, this.decidedOn, this.deps.clock.nowMs() + this.settings.reclaimTimeoutMs);
  }

  /**
   * The first record of each kill, as soon as SIGKILL went out: the wait for the exit can
   * last the whole reclaim timeout, and a daemon killed meanwhile lost the record (about
   * one per crash). Returns each signalled result's killId for its final record.
   */
  private journalSignalled(decision: Decision, results: readonly KillResult[]): Map<KillResult, string> {
    const ids = new Map<KillResult, string>();
    if (this.settings.dryRun) return ids;
    const wallMs = this.deps.clock.wallMs();
    for (const r of results) {
      if (!r.killed) continue;
      const killId = `${r.victim.pid}@${wallMs}`;
      ids.set(r, killId);
      this.deps.journal.append(killRecordFrom(r, null, { policy: decision.policy, wallMs, dryRun: false, domain: this.deps.domain, stage: { stage: 'signalled', killId } }));
    }
    return ids;
  }
}
