// The engine's ports on a recorded trace. The source serves the current frame minus the
// processes killed so far; the killer checks identity against that frame and removes the
// victim from every later frame; a kill's wait ends at the next frame (the recording has
// no exit model: the victim is simply gone). Pressure comes from the frames' recorded PSI
// totals when present, and "critical" means available memory at or below a few percent.
import type { KillOptions, KillResult } from '../../engine/ports.js';
import type { Victim } from '../../model/decision.js';
import type { ProcessInfo, Snapshot } from '../../model/snapshot.js';
import type { MemoryView } from '../../model/memory-view.js';
import type { Backend } from '../driver.js';
import { reapCostMs } from '../kernel/exit.js';
import type { VirtualClock } from '../kernel/ports.js';
import type { Killed, RunRecorder } from '../recorder.js';
import { adjustedSnapshot, domainAvailableKiB, domainTotalKiB, identity, viewOf, type Frame } from './frames.js';

function killedOf(p: ProcessInfo): Killed {
  const total = p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB + p.swapKiB;
  return { pid: p.pid, name: p.name, uid: p.uid, adj: p.oomScoreAdj, totalKiB: () => total };
}

interface Pending {
  results: readonly KillResult[];
  killedAtMs: number;
  resolve(exits: (number | null)[]): void;
}

export class TraceBackend implements Backend {
  private index = 0;
  private readonly killed = new Set<string>();
  private snapshot: Snapshot | null = null;
  private waiter: Pending | null = null;
  private readonly listener;
  readonly source;
  readonly killer: Backend['killer'];

  constructor(
    private readonly frames: readonly Frame[],
    private readonly clock: VirtualClock,
    recorder: RunRecorder,
    domain: string,
    private readonly reap: boolean,
    private readonly windowMs: number,
    private readonly criticalPercent: number,
  ) {
    this.listener = recorder.forDomain(domain);
    this.source = {
      scan: (): Promise<Snapshot> => Promise.resolve(this.current()),
      readMemory: (): Promise<MemoryView> => Promise.resolve(viewOf(this.current())),
      view: (): MemoryView => viewOf(this.current()),
    };
    this.killer = {
      onBlocked: null,
      kill: (victims, options) => Promise.resolve(victims.map((v) => this.killOne(v, options))),
      waitForExit: (results) => this.wait(results),
      checkWait: (nowMs) => this.checkWait(nowMs),
    };
  }

  advance(index: number): void {
    this.index = index;
    this.snapshot = null;
  }

  current(): Snapshot {
    this.snapshot ??= adjustedSnapshot(this.frames[this.index] as Frame, this.killed);
    return this.snapshot;
  }

  private killOne(victim: Victim, options: KillOptions): KillResult {
    const base = { victim, killed: false, reaped: false, reapMs: null, signalAtMs: null, notes: [] as string[] };
    const p = this.current().processes.find((q) => q.pid === victim.pid);
    if (!p) return { ...base, error: 'gone' };
    if (p.startTime !== victim.startTime) return { ...base, error: 'identity-changed' };
    if (options.dryRun) return { ...base, notes: ['dry-run'] };
    const now = this.clock.now;
    const reapedKiB = this.reap ? p.rssAnonKiB + p.swapKiB : 0;
    const reapMs = this.reap ? reapCostMs(reapedKiB) : null;
    this.killed.add(identity(p));
    this.snapshot = null;
    this.listener.killed(victim, killedOf(p), now, { reapedKiB, reaped: this.reap, reapMs, notes: [] });
    return { victim, killed: true, reaped: this.reap, reapMs, signalAtMs: now, notes: [] };
  }

  private wait(results: readonly KillResult[]): Promise<(number | null)[]> {
    if (results.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.waiter = { results, killedAtMs: this.clock.now, resolve };
      this.killer.onBlocked?.();
    });
  }

  /** The victims are absent from the next frame: that is their exit. */
  private checkWait(nowMs: number): boolean {
    const w = this.waiter;
    if (!w || nowMs <= w.killedAtMs) return false;
    this.waiter = null;
    for (const r of w.results) {
      const frame = this.frames.find((f) => f.atMs === w.killedAtMs);
      const p = frame?.snapshot.processes.find((q) => q.pid === r.victim.pid && q.startTime === r.victim.startTime);
      const k = p ? killedOf(p) : undefined;
      const reaped = this.reap && p ? p.rssAnonKiB + p.swapKiB : 0;
      if (k) this.listener.exited(k, k.totalKiB() - reaped, nowMs);
    }
    w.resolve(w.results.map((r) => (r.signalAtMs === null ? null : nowMs - r.signalAtMs)));
    return true;
  }

  /** Stall in the PSI window from the recorded totals (0 without them). */
  windowStallMs(): number {
    const f = this.frames[this.index] as Frame;
    if (!f.pressure) return 0;
    let j = this.index;
    while (j > 0 && f.atMs - (this.frames[j - 1] as Frame).atMs <= this.windowMs) j--;
    const from = this.frames[j] as Frame;
    if (!from.pressure || from === f) return 0;
    return (f.pressure.someTotalUs - from.pressure.someTotalUs) / 1000;
  }

  critical(): boolean {
    const s = this.current();
    return domainAvailableKiB(s) * 100 <= domainTotalKiB(s) * this.criticalPercent;
  }

  pressure(): { windowStallMs: number; critical: boolean } {
    return { windowStallMs: this.windowStallMs(), critical: this.critical() };
  }
}
