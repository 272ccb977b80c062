// One memory domain live: the whole machine or one cgroup, its Domain (src/engine/domain.ts:
// policy, parameters, rules with min_adj, dry run, LMK_TARGET's table, around the engine)
// plus what only the daemon has — triggers armed on the kernel, and a warm-up at start.
// Trigger events run a reclaim (one at a time; events during a reclaim are absorbed). A
// reload either applies the new settings in place and re-arms triggers when they changed,
// or — for another cgroup or another policy — asks the daemon to build a new domain.
import type { Clock, JournalPort, Killer, ProcessSource, TriggerEvent } from '../engine/ports.js';
import { Domain, type DomainOutcome } from '../engine/domain.js';
import type { KillRecord } from '../model/kill-record.js';
import type { Policy, RegistryEntry } from '../policy/types.js';
import type { FdPoller } from '../kernel/fd-poller.js';
import type { TriggerEnd, TriggerSource } from '../kernel/triggers/types.js';
import type { DomainConfig } from '../config/types.js';
import { DomainEvents } from './events.js';
import type { Log, Logger } from './logger.js';
import { DomainTriggers } from './domain-triggers.js';
import { PlanError, planForPolicy, samePlan, type PlannedSource, type TriggerPlan } from './trigger-plan.js';
import type { DomainKind } from '../model/memory-view.js';
import { buildTrigger } from './triggers.js';
import { pressurePathFor } from './trigger-plan.js';
import type { MemoryView } from '../model/memory-view.js';
import type { KillObserver } from './observer.js';
import { DomainWarner, type WarnedProcess, type WarningRecord } from './warning.js';
import { PsiPollAfterEvent } from './psi-poll.js';
import { WARN_DEFAULTS } from '../config/schema.js';
import { holdBack, releaseHoldBack, type HeldBack } from '../kernel/procfs/hold-back.js';
import { ScopeAttrSource } from '../kernel/scope-source.js';
import { scopeSampleEveryMs, scopesOn } from '../policy/scope/settings.js';

/** Scans and decisions run at start to compile the event path (prewarm). */
const WARM_UP_ROUNDS = 3;

interface DomainDeps {
  logger: Logger;
  clock: Clock;
  killer: Killer;
  journal: JournalPort;
  poller: FdPoller;
  selfPid: number;
  psiAvailable: boolean;
  kind: DomainKind;
  /** The domain's ProcessSource (KernelProcessSource in the daemon). */
  source: ProcessSource;
  formatKill(record: KillRecord): string;
  registry?: () => ReadonlyMap<number, RegistryEntry>;
  onKill?(record: KillRecord): void;
  /** Metrics, hooks, D-Bus: told after each decision, signal batch and kill (observer.ts). */
  observer?: KillObserver;
  /** A warning before the kill level (journal, observer); the domain logs it itself. */
  onWarning?(w: WarningRecord): void;
  /** Build a trigger from its plan entry (default: the real kernel triggers). */
  makeTrigger?: typeof buildTrigger;
  /** How often an ended trigger is re-armed (default TRIGGER_RETRY_MS). */
  triggerRetryMs?: number;
  /** hold_back on memory.high (default: src/kernel/procfs/hold-back.ts). */
  holdBack?: { apply: typeof holdBack; release: typeof releaseHoldBack };
  /** After each handled event and each poll of memory, off the kill path (the daemon's own-memory check). */
  afterEvent?(): void;
  /** The process's page-fault counters (getrusage), for the faults between a trigger and its SIGKILL. */
  pageFaults?(): PageFaults;
}

/** Page-fault counters: minor = a page mapped without I/O, major = one read back from swap or a file. */
interface PageFaults {
  minor: number;
  major: number;
}

export class LiveDomain {
  private cfg: DomainConfig;
  private readonly log: Log;
  private readonly policy: Policy<unknown, unknown>;
  private readonly domain: Domain;
  private readonly events: DomainEvents;
  private plan: TriggerPlan;
  private readonly triggers: DomainTriggers;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  private eventCount = 0;
  private readonly warner: DomainWarner;
  /** lmkd's re-assessment after each PSI event (Policy.pollsAfterEvent). */
  private readonly psiPoll: PsiPollAfterEvent;
  /** What hold_back changed in memory.high, restored by stop(). */
  private heldBack: HeldBack | undefined;
  private scopeSampler: ReturnType<typeof setInterval> | undefined;
  /** deps.source, with the scopes' own facts (xattrs, memory.current) added while scopes are on. */
  private readonly source: ProcessSource;
  /** Fault counters when the trigger that started the running reclaim arrived, and when its signals had left. */
  private faultsAtTrigger: PageFaults | undefined;
  private faultsAtSignal: PageFaults | undefined;
  /** Settles when the start-up scans and decisions are done (never rejects). */
  warmedUp: Promise<void> = Promise.resolve();

  constructor(cfg: DomainConfig, private readonly deps: DomainDeps) {
    this.cfg = cfg;
    this.log = deps.logger.forDomain(cfg.name);
    this.source = new ScopeAttrSource(deps.source, () => (scopesOn(this.cfg.scopes) ? this.cfg.scopes.root : null));
    const eventOpts: ConstructorParameters<typeof DomainEvents>[0] = { log: this.log, formatKill: deps.formatKill, eventFaults: () => this.eventFaults() };
    if (deps.onKill) eventOpts.onKill = deps.onKill;
    if (deps.observer) eventOpts.observer = deps.observer;
    // The fault counters once the signals have left (the trigger -> SIGKILL window).
    if (deps.pageFaults) eventOpts.afterSignals = () => (this.faultsAtSignal = deps.pageFaults?.());
    this.events = new DomainEvents(eventOpts);
    // The kill thread's proxy itself: the engine hands its victims straight to it.
    const ports: ConstructorParameters<typeof Domain>[1] = {
      source: this.source, killer: deps.killer, journal: deps.journal, events: this.events, clock: deps.clock, selfPid: deps.selfPid,
    };
    if (deps.registry) ports.registry = deps.registry;
    this.domain = new Domain(cfg, ports);
    this.policy = this.domain.policy;
    this.plan = planForPolicy(cfg, this.policy, deps.kind, { psi: deps.psiAvailable });
    this.triggers = new DomainTriggers(this.log, (s, onEnded) => this.makeTrigger(s, onEnded), deps.triggerRetryMs);
    this.warner = new DomainWarner({
      domain: cfg.name, policy: cfg.policy, log: this.log, nowMs: deps.clock.nowMs, wallMs: deps.clock.wallMs,
      settings: () => this.cfg.warn ?? WARN_DEFAULTS,
      memoryNow: () => this.memoryNow(),
      nextVictims: () => this.nextVictims(),
      busy: () => this.domain.engine.busy,
      onWarning: (w) => deps.onWarning?.(w),
      onLevel: (level) => deps.observer?.level?.(cfg.name, level),
    });
    this.psiPoll = new PsiPollAfterEvent({ clock: deps.clock, busy: () => this.domain.engine.busy, fire: (e) => this.onEvent(e) });
  }

  /** Memory now and how far it is from the policy's kill level, KiB (metrics, warnings, status). */
  async memoryNow(): Promise<{ view: MemoryView; headroomKiB: number }> {
    const view = await this.deps.source.readMemory();
    return { view, headroomKiB: this.policy.headroom(view, this.domain.settings.params).headroomKiB };
  }

  /** The domain's PSI file (null: a v1 memcg without psi_group). */
  get pressurePath(): string | null {
    return pressurePathFor(this.cfg, this.deps.kind);
  }

  /** Who the policy would kill next, at most three: a scan and a pure decision, nothing killed. */
  async nextVictims(): Promise<WarnedProcess[]> {
    const snapshot = await this.deps.source.scan();
    const d = this.domain.decideAfresh(snapshot);
    const uids = new Map(snapshot.processes.map((p) => [p.pid, p.uid]));
    const ranked = d.victims.length > 0 ? d.victims : d.candidates;
    return ranked.slice(0, 3).map((v) => ({ pid: v.pid, uid: uids.get(v.pid) ?? -1, name: v.name, oomScoreAdj: v.oomScoreAdj, sizeKiB: v.sizeKiB }));
  }

  get name(): string {
    return this.cfg.name;
  }

  get config(): DomainConfig {
    return this.cfg;
  }

  get stats(): { events: number; reclaims: number; absorbed: number; decisions: number; kills: number } {
    return { events: this.eventCount, ...this.domain.engine.stats, decisions: this.events.decisions, kills: this.events.kills };
  }

  get triggerNames(): string[] {
    return this.triggers.names;
  }

  /** Arm the triggers. Throws when one cannot be armed at all (nothing stays armed). */
  start(): void {
    this.applyHoldBack(this.cfg);
    try {
      this.arm();
    } catch (e) {
      this.releaseHoldBack();
      throw e;
    }
    this.prewarm();
    this.warner.start();
    this.syncScopeSampler();
    const where = this.cfg.memcg ?? 'the whole machine';
    this.log.info('domain-started', `watching ${where} with ${this.cfg.policy} (${this.policy.describeParams(this.cfg.params)}); ` +
      `triggers: ${this.triggerNames.join(', ')} — ${this.plan.why}${this.cfg.dryRun ? ' [DRY RUN]' : ''}`, {
      policy: this.cfg.policy,
      memcg: this.cfg.memcg,
      triggers: this.triggerNames,
      dryRun: this.cfg.dryRun,
      minAdj: this.cfg.minAdj,
      ...(scopesOn(this.cfg.scopes) ? { scope: this.cfg.scopes.mode, scopeRoot: this.cfg.scopes.root, killUnit: this.cfg.scopes.killUnit, scopeRank: this.cfg.scopes.rank } : {}),
    });
  }

  private eventFaults(): PageFaults | undefined {
    const a = this.faultsAtTrigger;
    const b = this.faultsAtSignal;
    return a && b ? { minor: b.minor - a.minor, major: b.major - a.major } : undefined;
  }

  /**
   * Scans right after start, off the critical path: the kernel source opens and caches
   * its per-process fds on the first scan (a few hundred ms for thousands of processes),
   * which would otherwise be paid by the first pressure event. A few more scans and
   * decisions (discarded: policies are pure) let V8 compile the event path — the
   * incremental scan, the policy — before an event needs it: run cold, the first event
   * with 2,000 processes took 50–70 ms instead of a few. Once, never periodic.
   */
  private prewarm(): void {
    const started = this.deps.clock.nowMs();
    this.warmedUp = this.warmUp().then(
      (n) => this.log.debug('prewarm', `first scan: ${n} processes; warm-up done in ${Math.round(this.deps.clock.nowMs() - started)} ms`),
      (e: unknown) => this.log.warn('prewarm-failed', `first scan failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  private async warmUp(): Promise<number> {
    const first = await this.source.scan();
    for (let round = 0; round < WARM_UP_ROUNDS && !this.stopped; round++) this.domain.decideAfresh(await this.source.scan());
    return first.processes.length;
  }

  /** Run the scope sampler while scopes are on (started, stopped and re-timed by reloads). */
  private syncScopeSampler(): void {
    if (this.scopeSampler) clearInterval(this.scopeSampler);
    this.scopeSampler = undefined;
    if (this.stopped || !scopesOn(this.cfg.scopes)) return;
    const every = scopeSampleEveryMs(this.cfg.scopes);
    this.scopeSampler = setInterval(() => {
      this.domain.engine.sampleScopes().catch((e: unknown) => this.log.debug('scope-sample-failed', `scope sample failed: ${e instanceof Error ? e.message : String(e)}`));
    }, every);
    this.scopeSampler.unref();
  }

  private arm(): void {
    this.triggers.arm(this.plan.sources, (e) => this.onEvent(e));
  }

  private disarm(): Promise<void> {
    return this.triggers.disarm();
  }

  private makeTrigger(s: PlannedSource, onEnded: (end: TriggerEnd) => void): TriggerSource {
    const make = this.deps.makeTrigger ?? buildTrigger;
    return make(s, {
      poller: this.deps.poller,
      clock: this.deps.clock,
      log: (level, event, message, fields) => this.log.log(level, event, message, fields),
      onEnded,
      readMemory: () => this.deps.source.readMemory().finally(() => this.deps.afterEvent?.()),
      policy: this.policy,
      params: () => this.domain.settings.params,
    });
  }

  /** A trigger fired: run a reclaim (or let the running one absorb it). */
  onEvent(e: TriggerEvent): void {
    if (this.stopped) return;
    this.eventCount++;
    if (!this.domain.engine.busy) this.faultsAtTrigger = this.deps.pageFaults?.();
    this.log.debug('trigger', `${e.source} ${e.level}${e.detail ? `: ${e.detail}` : ''}`, { source: e.source, triggerLevel: e.level, atMs: e.atMs });
    if (e.source === 'psi') this.psiPoll.afterEvent(e.atMs, this.policy.pollsAfterEvent?.(this.domain.settings.params));
    const run: Promise<void> = this.domain.onTrigger(e).then(
      (outcome) => {
        this.logOutcome(outcome);
        // The kernel source's put-off refreshes, now that nobody waits for a kill.
        if (outcome.kind !== 'absorbed' && outcome.kind !== 'held') this.deps.source.afterReclaim?.();
        this.deps.afterEvent?.();
      },
      (err: unknown) => this.log.error('reclaim-failed', `reclaim failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }

  private logOutcome(o: DomainOutcome): void {
    if (o.kind === 'no-action') this.log.debug('no-action', o.reason);
    else if (o.kind === 'killed' && o.timedOut) this.log.debug('reclaim-timeout', 'reclaim ended by its timeout');
  }

  /** Whether a new configuration can be applied in place (same cgroup, same policy). */
  canApply(next: DomainConfig): boolean {
    return next.memcg === this.cfg.memcg && this.domain.canApply(next);
  }

  /** Apply a new configuration in place; re-arm triggers only when the plan changed. */
  async apply(next: DomainConfig): Promise<string[]> {
    const changes: string[] = [];
    if (this.domain.keepsTargetLevels) changes.push('levels from LMK_TARGET kept');
    next = { ...next, params: this.domain.apply(next).params };
    const plan = planForPolicy(next, this.policy, this.deps.kind, { psi: this.deps.psiAvailable });
    if (JSON.stringify(next) !== JSON.stringify(this.cfg)) changes.push('settings');
    if (next.holdBackKiB !== this.cfg.holdBackKiB) {
      this.releaseHoldBack();
      try {
        this.applyHoldBack(next);
      } catch (e) {
        // a reload never takes the daemon down: the domain goes on guarding without it
        this.log.error('hold-back-failed', `hold_back not applied: ${e instanceof Error ? e.message : String(e)}`);
      }
      changes.push(`hold_back ${next.holdBackKiB} KiB`);
    }
    this.cfg = next;
    this.syncScopeSampler();
    if (!samePlan(plan, this.plan)) {
      await this.disarm();
      this.plan = plan;
      this.arm();
      changes.push(`triggers re-armed: ${this.triggerNames.join(', ')}`);
    }
    return changes;
  }

  /** A minfree/adj table from the control socket (LMK_TARGET) for the table policies. */
  setLevels(levels: ReadonlyArray<{ minfreeKiB: number; adj: number }>): boolean {
    if (!this.domain.setLevels(levels)) return false;
    this.cfg = { ...this.cfg, params: this.domain.settings.params };
    return true;
  }

  /** hold_back: lower memory.high a margin below memory.max (docs/host-layouts.md). */
  private applyHoldBack(cfg: DomainConfig): void {
    if (cfg.holdBackKiB <= 0 || cfg.memcg === null) return;
    if (this.deps.kind !== 'cgroup2-memory') {
      throw new PlanError(`domain "${cfg.name}": hold_back needs a cgroup2 group with the memory controller (memory.high); ${cfg.memcg} is not one`, 'config');
    }
    const result = (this.deps.holdBack?.apply ?? holdBack)(cfg.memcg, cfg.holdBackKiB);
    if (typeof result === 'string') this.log.warn('hold-back-skipped', result);
    else {
      this.heldBack = result;
      this.log.info('hold-back', result.describe, { memoryHigh: result.written, original: result.original });
    }
  }

  private releaseHoldBack(): void {
    const h = this.heldBack;
    if (!h) return;
    this.heldBack = undefined;
    try {
      this.log.info('hold-back-released', (this.deps.holdBack?.release ?? releaseHoldBack)(h));
    } catch (e) {
      this.log.error('hold-back-release-failed', `could not restore memory.high of ${h.group} to ${h.original}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Disarm, then wait (at most waitMs) for a running reclaim to finish; restore memory.high. */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    this.warner.stop();
    this.psiPoll.stop();
    this.releaseHoldBack();
    this.syncScopeSampler();
    await this.disarm();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inflight), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    // The kernel source keeps per-process fds between scans.
    (this.deps.source as { close?: () => void }).close?.();
  }
}
