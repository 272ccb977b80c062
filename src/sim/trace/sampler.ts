// What the report needs from a replay, frame by frame: the chart series and the totals.
import type { Snapshot } from '../../model/snapshot.js';
import type { PolicyName } from '../../model/decision.js';
import { newTimeline } from '../recorder.js';
import type { DomainSummary, Timeline } from '../results.js';
import { domainAvailableKiB, domainCacheKiB, domainUsedKiB, type Frame } from './frames.js';

export class TraceSampler {
  readonly timeline: Timeline;
  private criticalMs = 0;
  private peakUsedKiB = 0;
  private minAvailableKiB = Infinity;

  constructor(
    private readonly frames: readonly Frame[],
    private readonly tickMs: number,
  ) {
    this.timeline = newTimeline(frames.length, tickMs);
  }

  /** Frame i after its tick: `s` is the replay's view (kills applied), `critical` before them. */
  sample(i: number, s: Snapshot, critical: boolean): void {
    const f = this.frames[i] as Frame;
    const prev = this.frames[i - 1];
    const next = this.frames[i + 1];
    const t = this.timeline;
    if (critical) this.criticalMs += next ? next.atMs - f.atMs : this.tickMs;
    t.usedKiB[i] = domainUsedKiB(s);
    t.cacheKiB[i] = domainCacheKiB(s);
    t.swapKiB[i] = s.memory.swapTotalKiB - s.memory.swapFreeKiB;
    // Recorded PSI: µs of stall per ms of time is ms per s.
    t.stall[i] = prev?.pressure && f.pressure && f.atMs > prev.atMs ? (f.pressure.someTotalUs - prev.pressure.someTotalUs) / (f.atMs - prev.atMs) : 0;
    t.level[i] = critical ? 3 : 0;
    this.peakUsedKiB = Math.max(this.peakUsedKiB, t.usedKiB[i] ?? 0);
    this.minAvailableKiB = Math.min(this.minAvailableKiB, domainAvailableKiB(s));
  }

  summary(domain: string, policy: PolicyName, reap: boolean, triggers: number, reclaims: number): DomainSummary {
    const first = this.frames[0];
    const last = this.frames[this.frames.length - 1];
    const stallMs = first?.pressure && last?.pressure ? Math.round((last.pressure.someTotalUs - first.pressure.someTotalUs) / 1000) : 0;
    return {
      name: domain,
      policy,
      reap,
      criticalMs: this.criticalMs,
      stallMs,
      blockedMs: 0,
      peakUsedKiB: this.peakUsedKiB,
      minAvailableKiB: Number.isFinite(this.minAvailableKiB) ? this.minAvailableKiB : 0,
      triggers,
      reclaims,
    };
  }
}
