// Collects what happens in one run: the engine's decisions (EventSink), the kills and
// what they freed (the virtual kernel's listeners), and the per-tick memory and pressure.
import type { EventSink, JournalPort, TriggerEvent } from '../engine/ports.js';
import type { LogLevel } from '../model/log-level.js';
import type { Decision, Victim } from '../model/decision.js';
import type { KillRecord } from '../model/kill-record.js';
import type { DomainListener, KillEffects } from './kernel/domain.js';
import type { KillListener } from './kernel/killer.js';
export type { Killed } from './results.js';
import { adjBand, type Killed, type KillEntry, type ReclaimEntry, type Timeline } from './results.js';

interface DecisionContext {
  atMs: number;
  neededKiB: number;
}

export function newTimeline(ticks: number, tickMs: number): Timeline {
  return {
    tickMs,
    usedKiB: new Float64Array(ticks),
    cacheKiB: new Float64Array(ticks),
    swapKiB: new Float64Array(ticks),
    stall: new Float64Array(ticks),
    level: new Uint8Array(ticks),
  };
}

export class RunRecorder {
  readonly kills: KillEntry[] = [];
  readonly reclaims: ReclaimEntry[] = [];
  readonly journal: KillRecord[] = [];
  private readonly byPid = new Map<number, KillEntry>();
  /** Per domain: the last decision with victims, until its first kill makes it a reclaim. */
  private readonly pending = new Map<string, { decision: Decision; trigger: TriggerEvent; ctx: DecisionContext }>();
  private readonly current = new Map<string, number>();
  timeouts = 0;

  constructor(private readonly needed: (domain: string, decision: Decision) => DecisionContext) {}

  private entry(domain: string, p: Killed, atMs: number, e: KillEffects, v: Victim | null): KillEntry {
    const entry: KillEntry = {
      atMs,
      domain,
      pid: p.pid,
      name: p.name,
      uid: p.uid,
      oomScoreAdj: p.adj,
      band: adjBand(p.adj),
      by: v ? 'policy' : 'kernel-oom',
      reason: v ? v.reason : 'kernel-oom',
      why: v ? v.why : `Out of memory: the kernel killed ${p.name} (${p.pid}) after allocations stayed blocked`,
      sizeKiB: v ? v.sizeKiB : p.totalKiB() + e.reapedKiB,
      freedKiB: e.reapedKiB,
      reapedKiB: e.reapedKiB,
      reaped: e.reaped,
      exitAtMs: null,
      notes: e.notes,
      reclaim: v ? (this.current.get(domain) ?? null) : null,
    };
    if (v?.scope !== undefined) {
      entry.scope = v.scope;
      entry.scopeKiB = v.scopeKiB ?? 0;
      entry.scopeWhy = v.scopeWhy ?? '';
    }
    this.kills.push(entry);
    this.byPid.set(p.pid, entry);
    return entry;
  }

  /** Listeners bound to one domain. */
  forDomain(domain: string): DomainListener & KillListener {
    return {
      exited: (p: Killed, kib: number, atMs: number) => {
        const e = this.byPid.get(p.pid);
        if (!e) return;
        e.freedKiB += kib;
        e.exitAtMs = atMs;
      },
      kernelKill: (p: Killed, atMs: number, effects: KillEffects) => {
        this.entry(domain, p, atMs, effects, null);
      },
      killed: (victim: Victim, p: Killed, atMs: number, effects: KillEffects) => {
        this.openReclaim(domain);
        this.entry(domain, p, atMs, effects, victim);
      },
    };
  }

  private openReclaim(domain: string): void {
    const d = this.pending.get(domain);
    if (!d) return;
    this.pending.delete(domain);
    this.current.set(domain, this.reclaims.length);
    this.reclaims.push({
      atMs: d.ctx.atMs,
      domain,
      trigger: `${d.trigger.source}:${d.trigger.level}`,
      neededKiB: d.ctx.neededKiB,
      freedKiB: 0,
      overshootKiB: 0,
      victims: 0,
      timedOut: false,
    });
  }

  /** The engine's reclaim ended; `timedOut` as ReclaimOutcome reports it. */
  reclaimEnded(domain: string, timedOut: boolean): void {
    const i = this.current.get(domain);
    if (i !== undefined && timedOut) (this.reclaims[i] as ReclaimEntry).timedOut = true;
    this.current.delete(domain);
    this.pending.delete(domain);
  }

  sink(): EventSink & JournalPort {
    return {
      log: (_level: LogLevel, event: string) => {
        if (event === 'timeout') this.timeouts++;
      },
      decision: (domain: string, decision: Decision, trigger: TriggerEvent) => {
        if (decision.victims.length > 0) this.pending.set(domain, { decision, trigger, ctx: this.needed(domain, decision) });
      },
      kill: () => undefined,
      append: (record: KillRecord) => {
        this.journal.push(record);
      },
    };
  }

  /** Totals per reclaim, once the run is over (victims may exit late). */
  finish(): void {
    for (const r of this.reclaims) {
      r.victims = 0;
      r.freedKiB = 0;
    }
    for (const k of this.kills) {
      if (k.reclaim === null) continue;
      const r = this.reclaims[k.reclaim] as ReclaimEntry;
      r.victims++;
      r.freedKiB += k.freedKiB;
    }
    for (const r of this.reclaims) r.overshootKiB = Math.max(0, r.freedKiB - r.neededKiB);
  }
}
