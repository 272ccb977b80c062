// Drives the daemon's own ReclaimEngine for one domain on the virtual kernel. The
// engine's awaits resolve deterministically: the sim ports return settled promises, and
// waitForExit's promise is settled by the runner on the tick its victims exit (or its
// timeout passes). settle() lets the engine's promise chain run until the reclaim ends or
// blocks in waitForExit — no timers, no I/O, so every run interleaves identically.
import { ReclaimEngine } from '../engine/reclaim.js';
import type { TriggerEvent } from '../engine/ports.js';
import type { PolicyName } from '../model/decision.js';
import { getPolicy } from '../policy/registry.js';
import type { Policy } from '../policy/types.js';
import { SimDomain } from './kernel/domain.js';
import { SimKiller } from './kernel/killer.js';
import { availableKiB, SimProcessSource, type VirtualClock } from './kernel/ports.js';
import type { SimProcess } from './kernel/process.js';
import { LEVELS } from './kernel/pressure.js';
import { neededKiB } from './needed.js';
import { buildParams, DEFAULT_RECLAIM_TIMEOUT_MS } from './params.js';
import { newTimeline, type RunRecorder } from './recorder.js';
import type { DomainSummary, Timeline } from './results.js';
import type { DomainSpec } from './scenario/types.js';
import { SELF_PID } from './world.js';

export class DomainDriver {
  readonly domain: SimDomain;
  readonly source: SimProcessSource;
  readonly killer: SimKiller;
  readonly engine: ReclaimEngine;
  readonly policy: Policy;
  readonly params: unknown;
  readonly reap: boolean;
  readonly timeline: Timeline;
  private lastEventMs: number | null = null;
  private inflight: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  private peakUsedKiB = 0;
  private minAvailableKiB = Infinity;
  private blockedMs = 0;
  private triggers = 0;

  constructor(
    readonly spec: DomainSpec,
    processes: readonly SimProcess[],
    readonly policyName: PolicyName,
    reapOverride: boolean | null,
    private readonly clock: VirtualClock,
    private readonly recorder: RunRecorder,
    tickMs: number,
    ticks: number,
  ) {
    const listener = recorder.forDomain(spec.name);
    this.domain = new SimDomain(spec, processes, tickMs, listener);
    this.source = new SimProcessSource(this.domain, clock);
    this.reap = reapOverride ?? spec.killer.reap;
    this.killer = new SimKiller(this.domain, clock, { reap: this.reap, thaw: spec.killer.thaw, boost: spec.killer.boost }, listener);
    this.policy = getPolicy(policyName);
    const built = buildParams(policyName, spec.params[policyName]);
    this.params = built.params;
    const sink = recorder.sink();
    this.engine = new ReclaimEngine(
      { domain: spec.name, policy: this.policy, source: this.source, killer: this.killer, journal: sink, events: sink, clock, selfPid: SELF_PID },
      {
        params: built.params,
        rules: spec.rules,
        reclaimTimeoutMs: spec.killer.timeoutMs ?? built.policyTimeoutMs ?? DEFAULT_RECLAIM_TIMEOUT_MS,
        dryRun: false,
      },
    );
    this.timeline = newTimeline(ticks, tickMs);
  }

  /** What the policy needed freed at a decision made now (recorder callback). */
  neededNow(decision: Parameters<typeof neededKiB>[3]): number {
    return neededKiB(this.policyName, this.params, this.source.view(), decision);
  }

  /** After the kernel's tick: settle a finished wait, then deliver this tick's trigger. */
  async tick(nowMs: number): Promise<void> {
    if (this.killer.checkWait(nowMs)) await this.settle();
    const event = this.triggerEvent(nowMs);
    if (event) {
      this.triggers++;
      await this.fire(event);
    }
    if (this.failure) throw this.failure.error;
  }

  /**
   * Threshold policies are asked every tick (the engine checks needsAction). Pressure
   * policies get an event when the PSI-like window stall reaches psi_stall or vmpressure
   * is critical — at most one per PSI window, as a kernel trigger rate-limits itself.
   */
  private triggerEvent(nowMs: number): TriggerEvent | null {
    if (this.policy.trigger === 'threshold') return { source: 'threshold', level: 'poll', atMs: nowMs };
    const { psi, trigger } = this.spec;
    const stallMs = this.domain.window.windowMs;
    const psiHit = trigger !== 'vmpressure' && stallMs >= psi.stallMs;
    const vmHit = trigger !== 'psi' && this.domain.level === 'critical';
    if (!psiHit && !vmHit) return null;
    if (this.lastEventMs !== null && nowMs - this.lastEventMs < psi.windowMs) return null;
    this.lastEventMs = nowMs;
    return {
      source: psiHit ? 'psi' : 'vmpressure',
      level: 'critical',
      atMs: nowMs,
      detail: psiHit ? `some ${Math.round(stallMs)} ms in ${psi.windowMs} ms` : 'vmpressure critical',
    };
  }

  private async fire(event: TriggerEvent): Promise<void> {
    if (this.inflight) {
      // A reclaim is running: the engine absorbs the event (and counts it).
      await this.engine.onTrigger(event);
      return;
    }
    this.inflight = this.engine.onTrigger(event).then(
      (outcome) => {
        this.inflight = null;
        this.recorder.reclaimEnded(this.spec.name, outcome.kind === 'killed' && outcome.timedOut);
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
      this.killer.onBlocked = resolve;
      void inflight.then(resolve);
    });
  }

  sample(tick: number): void {
    const d = this.domain;
    const t = this.timeline;
    t.usedKiB[tick] = d.residentKiB;
    t.cacheKiB[tick] = d.cacheKiB;
    t.swapKiB[tick] = d.swapUsedKiB;
    t.stall[tick] = d.stall;
    t.level[tick] = LEVELS.indexOf(d.level);
    this.peakUsedKiB = Math.max(this.peakUsedKiB, d.residentKiB);
    this.minAvailableKiB = Math.min(this.minAvailableKiB, availableKiB(d));
    if (d.blocked) this.blockedMs += t.tickMs;
  }

  summary(reclaims: number): DomainSummary {
    return {
      name: this.spec.name,
      policy: this.policyName,
      reap: this.reap,
      criticalMs: this.domain.criticalMs,
      stallMs: Math.round(this.domain.window.totalMs),
      blockedMs: this.blockedMs,
      peakUsedKiB: this.peakUsedKiB,
      minAvailableKiB: Number.isFinite(this.minAvailableKiB) ? this.minAvailableKiB : 0,
      triggers: this.triggers,
      reclaims,
    };
  }
}
