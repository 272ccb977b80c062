// Drives the daemon's own Domain (src/engine/domain.ts: policy, parameters, rules with
// min_adj, reclaim timeout, around the ReclaimEngine) for one domain on a virtual backend
// (the virtual kernel, or a recorded trace). The engine's awaits resolve deterministically: the
// backend's ports return settled promises, and waitForExit's promise is settled by the
// runner on the tick its victims exit (or its timeout passes). settle() lets the engine's
// promise chain run until the reclaim ends or blocks in waitForExit — no timers, no I/O,
// so every run interleaves identically.
import { Domain } from '../engine/domain.js';
import { PSI_POLL, psiPollEvent, type Clock, type Killer, type ProcessSource, type TriggerEvent } from '../engine/ports.js';
import type { Decision, PolicyName } from '../model/decision.js';
import { triggerKindOf, type Policy, type ProtectionRules, type PsiWant } from '../policy/types.js';
import type { MemoryView } from '../model/memory-view.js';
import { buildParams } from './params.js';
import type { RunRecorder } from './recorder.js';
import type { PsiSettings } from './scenario/types.js';
import { SELF_PID } from './world.js';
import { scopeSampleEveryMs, scopesOn, type ScopeSettings } from '../policy/scope/settings.js';

/** What a driver needs from the world it runs in. */
export interface Backend {
  readonly source: ProcessSource & { view(): MemoryView };
  readonly killer: Killer & { onBlocked: (() => void) | null; checkWait(nowMs: number): boolean };
  /** Stall within the PSI window (ms), and whether vmpressure is critical now. */
  pressure(): { windowStallMs: number; critical: boolean };
}

export interface DriverSettings {
  domain: string;
  policy: PolicyName;
  /** Raw [domain.params.<policy>] table, if any. */
  paramTable: Record<string, unknown> | undefined;
  /**
   * Parameters already built by the daemon's config reader (a daemon [[domain]] replayed):
   * used instead of paramTable, with reclaimTimeoutMs as the daemon resolved it.
   */
  params?: unknown;
  rules: ProtectionRules;
  /** Only processes with oom_score_adj >= minAdj are candidates (the daemon's min_adj); null: every adj. */
  minAdj?: number | null;
  /** null: the policy's own timeout, else the daemon's default. */
  reclaimTimeoutMs: number | null;
  psi: PsiSettings;
  trigger: 'both' | 'psi' | 'vmpressure';
  /** The scope stage (src/policy/scope), as the daemon's domain runs it; absent: processes only. */
  scopes?: ScopeSettings;
}

export class DomainDriver {
  readonly domain: Domain;
  readonly policy: Policy;
  readonly params: unknown;
  private lastEventMs: number | null = null;
  /** The last of lmkd's polls after an event (pollAfterEvent). */
  private lastPsiPollMs: number | null = null;
  private lastScopeSampleMs: number | null = null;
  private inflight: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  triggers = 0;

  constructor(
    readonly settings: DriverSettings,
    readonly backend: Backend,
    clock: Clock,
    private readonly recorder: RunRecorder,
  ) {
    const built = settings.params !== undefined && settings.reclaimTimeoutMs !== null
      ? { params: settings.params, reclaimTimeoutMs: settings.reclaimTimeoutMs }
      : buildParams(settings.policy, settings.paramTable);
    this.params = built.params;
    const sink = recorder.sink();
    this.domain = new Domain(
      {
        name: settings.domain,
        policy: settings.policy,
        params: built.params,
        rules: settings.rules,
        minAdj: settings.minAdj ?? null,
        reclaimTimeoutMs: settings.reclaimTimeoutMs ?? built.reclaimTimeoutMs,
        dryRun: false,
        ...(settings.scopes ? { scopes: settings.scopes } : {}),
      },
      { source: backend.source, killer: backend.killer, journal: sink, events: sink, clock, selfPid: SELF_PID },
    );
    this.policy = this.domain.policy;
  }

  /** What the policy needed freed at a decision made now (recorder callback). */
  neededNow(decision: Decision): number {
    return this.policy.neededKiB(this.backend.source.view(), this.params, decision);
  }

  /** After the world's tick: settle a finished wait, then deliver this tick's trigger. */
  async tick(nowMs: number): Promise<void> {
    if (this.backend.killer.checkWait(nowMs)) await this.settle();
    await this.sampleScopes(nowMs);
    const event = this.triggerEvent(nowMs);
    if (event) {
      // Kernel events only: lmkd's polls after an event are the domain's own timer.
      if (event.source !== PSI_POLL) this.triggers++;
      await this.fire(event);
    }
    if (this.failure) throw this.failure.error;
  }

  /** The daemon's scope sampler (src/daemon/live-domain.ts), on virtual time: growth is known before the first event. */
  private async sampleScopes(nowMs: number): Promise<void> {
    const s = this.settings.scopes;
    if (!scopesOn(s)) return;
    if (this.lastScopeSampleMs !== null && nowMs - this.lastScopeSampleMs < scopeSampleEveryMs(s)) return;
    this.lastScopeSampleMs = nowMs;
    await this.domain.engine.sampleScopes();
  }

  /**
   * Threshold policies are asked every tick (the engine checks needsAction). Pressure
   * policies get an event when the PSI-like window stall reaches psi_stall or vmpressure
   * is critical — at most one per PSI window, as a kernel trigger rate-limits itself.
   */
  private triggerEvent(nowMs: number): TriggerEvent | null {
    if (triggerKindOf(this.policy, this.params) === 'threshold') return { source: 'threshold', level: 'poll', atMs: nowMs };
    const wants = this.policy.psiTriggers?.(this.params);
    if (wants && wants.length > 0) {
      // Between its PSI events such a policy may poll too: an event when needsAction holds, as the daemon's poller sends one.
      const event = this.wantedEvent(nowMs, wants);
      if (event) return event;
      const poll = this.pollAfterEvent(nowMs);
      if (poll || !this.policy.pollsBetweenEvents?.(this.params)) return poll;
      return this.policy.needsAction(this.backend.source.view(), this.params) ? { source: 'threshold', level: 'poll', atMs: nowMs } : null;
    }
    const { psi, trigger } = this.settings;
    const p = this.backend.pressure();
    const psiHit = trigger !== 'vmpressure' && p.windowStallMs >= psi.stallMs;
    const vmHit = trigger !== 'psi' && p.critical;
    if (!psiHit && !vmHit) return null;
    if (this.lastEventMs !== null && nowMs - this.lastEventMs < psi.windowMs) return null;
    this.lastEventMs = nowMs;
    return {
      source: psiHit ? 'psi' : 'vmpressure',
      level: 'critical',
      atMs: nowMs,
      detail: psiHit ? `some ${Math.round(p.windowStallMs)} ms in ${psi.windowMs} ms` : 'vmpressure critical',
    };
  }

  /**
   * A policy's own PSI triggers (lmkd's PSI strategy: "some" at psi_partial_stall_ms as
   * medium, "full" at psi_complete_stall_ms as critical). The virtual kernel has one stall
   * figure; it stands for both lines (a "full" stall is at most the "some" one, so this
   * errs towards critical). One event per window, the highest level that holds.
   */
  /** lmkd's polls for a window after each PSI event (src/daemon/psi-poll.ts), on virtual time. */
  private pollAfterEvent(nowMs: number): TriggerEvent | null {
    const plan = this.policy.pollsAfterEvent?.(this.params);
    // As the daemon: none while a reclaim runs (it would only be absorbed).
    if (!plan || this.inflight || this.lastEventMs === null || nowMs - this.lastEventMs > plan.windowMs) return null;
    // Every interval from the event: from the last poll of this window, or the event itself.
    const from = this.lastPsiPollMs !== null && this.lastPsiPollMs > this.lastEventMs ? this.lastPsiPollMs : this.lastEventMs;
    if (nowMs - from < plan.intervalMs) return null;
    this.lastPsiPollMs = nowMs;
    return psiPollEvent(nowMs, 'polled within the PSI window');
  }

  private wantedEvent(nowMs: number, wants: readonly PsiWant[]): TriggerEvent | null {
    const stall = this.backend.pressure().windowStallMs;
    const hit = wants.filter((w) => stall >= w.stallMs).sort((a, b) => (a.level === 'critical' ? -1 : 0) - (b.level === 'critical' ? -1 : 0))[0];
    if (!hit) return null;
    if (this.lastEventMs !== null && nowMs - this.lastEventMs < this.settings.psi.windowMs) return null;
    this.lastEventMs = nowMs;
    return { source: 'psi', level: hit.level, atMs: nowMs, detail: `${hit.psiKind} ${Math.round(stall)} ms in ${this.settings.psi.windowMs} ms` };
  }

  private async fire(event: TriggerEvent): Promise<void> {
    if (this.inflight) {
      // A reclaim is running: the engine absorbs the event (and counts it).
      await this.domain.onTrigger(event);
      return;
    }
    this.inflight = this.domain.onTrigger(event).then(
      (outcome) => {
        this.inflight = null;
        this.recorder.reclaimEnded(this.settings.domain, outcome.kind === 'killed' && outcome.timedOut);
      },
      (error: unknown) => {
        this.inflight = null;
        this.failure = { error };
      },
    );
    await this.settle();
  }

  /** Let the engine run until its reclaim ends or it waits for victims to exit. */
  private settle(): Promise<void> {
    const inflight = this.inflight;
    if (!inflight) return Promise.resolve();
    return new Promise((resolve) => {
      this.backend.killer.onBlocked = resolve;
      void inflight.then(resolve);
    });
  }
}
