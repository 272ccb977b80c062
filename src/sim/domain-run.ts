// One scenario domain in one run: the virtual kernel's domain, its ports (the Backend the
// driver runs the engine on), and what the report needs from it tick by tick.
import type { Clock } from '../engine/ports.js';
import type { PolicyName } from '../model/decision.js';
import { DomainDriver, type Backend } from './driver.js';
import { SimDomain } from './kernel/domain.js';
import { SimKiller } from './kernel/killer.js';
import { availableKiB, SimProcessSource, type VirtualClock } from './kernel/ports.js';
import type { SimProcess } from './kernel/process.js';
import { LEVELS } from './kernel/pressure.js';
import { newTimeline, type RunRecorder } from './recorder.js';
import type { DomainSummary, Timeline } from './results.js';
import type { DomainSpec, ScopeSpec } from './scenario/types.js';
import { scopesOn, type ScopeSettings } from '../policy/scope/settings.js';

export class DomainRun {
  readonly domain: SimDomain;
  readonly driver: DomainDriver;
  readonly reap: boolean;
  readonly timeline: Timeline;
  private peakUsedKiB = 0;
  private minAvailableKiB = Infinity;
  private blockedMs = 0;

  constructor(
    readonly spec: DomainSpec,
    processes: readonly SimProcess[],
    readonly policy: PolicyName,
    reapOverride: boolean | null,
    /** This run's scope settings for the domain, and its [[scope]] tables. */
    scopes: { settings: ScopeSettings; specs: readonly ScopeSpec[] },
    clock: VirtualClock,
    recorder: RunRecorder,
    tickMs: number,
    ticks: number,
  ) {
    const listener = recorder.forDomain(spec.name);
    this.domain = new SimDomain(spec, processes, tickMs, listener);
    this.reap = reapOverride ?? spec.killer.reap;
    const killer = new SimKiller(this.domain, clock, { reap: this.reap, thaw: spec.killer.thaw, boost: spec.killer.boost }, listener);
    const domain = this.domain;
    const backend: Backend = {
      source: new SimProcessSource(domain, clock, scopesOn(scopes.settings) ? { root: scopes.settings.root, specs: scopes.specs } : null),
      killer,
      pressure: () => ({ windowStallMs: domain.window.windowMs, critical: domain.level === 'critical' }),
    };
    this.driver = new DomainDriver(
      {
        domain: spec.name,
        policy,
        paramTable: spec.params[policy],
        rules: spec.rules,
        minAdj: spec.minAdj,
        reclaimTimeoutMs: spec.killer.timeoutMs,
        psi: spec.psi,
        trigger: spec.trigger,
        scopes: scopes.settings,
      },
      backend,
      clock as Clock,
      recorder,
    );
    this.timeline = newTimeline(ticks, tickMs);
  }

  sample(tick: number): void {
    const d = this.domain;
    const t = this.timeline;
    t.usedKiB[tick] = d.usedKiB;
    t.cacheKiB[tick] = d.cacheKiB;
    t.swapKiB[tick] = d.swapUsedKiB;
    t.stall[tick] = d.stall;
    t.level[tick] = LEVELS.indexOf(d.level);
    this.peakUsedKiB = Math.max(this.peakUsedKiB, d.usedKiB);
    this.minAvailableKiB = Math.min(this.minAvailableKiB, availableKiB(d));
    if (d.blocked) this.blockedMs += t.tickMs;
  }

  summary(reclaims: number): DomainSummary {
    return {
      name: this.spec.name,
      policy: this.policy,
      reap: this.reap,
      criticalMs: this.domain.criticalMs,
      stallMs: Math.round(this.domain.window.totalMs),
      blockedMs: this.blockedMs,
      peakUsedKiB: this.peakUsedKiB,
      minAvailableKiB: Number.isFinite(this.minAvailableKiB) ? this.minAvailableKiB : 0,
      triggers: this.driver.triggers,
      reclaims,
    };
  }
}
