// --min-adj / min_adj: only processes with oom_score_adj >= N are candidates. Applied to
// the snapshot before the policy sees it, so every policy honours it the same way and the
// policies stay untouched. This is what lets a test (or a cautious operator) run the
// daemon on the whole machine while only its own processes (at adj >= N) can ever die:
// the machine's own processes sit at adj 0 or below.
import type { ProcessSource } from '../engine/ports.js';
import type { Victim } from '../model/decision.js';
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { MemoryView } from '../model/memory-view.js';

export class MinAdjSource implements ProcessSource {
  /** How long the last scan took, ms (logged with the decision it fed). */
  lastScanMs: number | undefined;

  constructor(
    private readonly inner: ProcessSource,
    /** Read at every scan, so a reload takes effect without rebuilding the domain. */
    private readonly minAdj: () => number | null,
    private readonly nowMs: () => number = () => 0,
  ) {}

  async scan(): Promise<Snapshot> {
    const start = this.nowMs();
    const snapshot = await this.inner.scan();
    this.lastScanMs = this.nowMs() - start;
    return this.filter(snapshot);
  }

  /** The inner source's confirmation of the victims; its time counts as scan time. */
  recheck(victims: readonly Victim[]): Promise<Snapshot | undefined> {
    return this.alsoScanning(this.inner.recheck && (() => this.inner.recheck?.(victims)));
  }

  /** The inner source's re-read of sizes it served from an earlier read; its time counts as scan time. */
  freshen(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    return this.alsoScanning(this.inner.freshen && (() => this.inner.freshen?.(used)));
  }

  /** Run a follow-up read of the inner source (if it has one), add its time to the scan's, filter its snapshot. */
  private async alsoScanning(read: (() => Promise<Snapshot | undefined> | undefined) | undefined): Promise<Snapshot | undefined> {
    if (!read) return undefined;
    const start = this.nowMs();
    const fresh = await read();
    this.lastScanMs = (this.lastScanMs ?? 0) + (this.nowMs() - start);
    return fresh && this.filter(fresh);
  }

  private filter(snapshot: Snapshot): Snapshot {
    const min = this.minAdj();
    if (min === null) return snapshot;
    return { ...snapshot, processes: snapshot.processes.filter((p) => p.oomScoreAdj >= min) };
  }

  readMemory(): Promise<MemoryView> {
    return this.inner.readMemory();
  }
}
