// --min-adj / min_adj: only processes with oom_score_adj >= N are candidates. Applied to
// the snapshot before the policy sees it, so every policy honours it the same way and the
// policies stay untouched. This is what lets a test (or a cautious operator) run the
// daemon on the whole machine while only its own processes (at adj >= N) can ever die:
// the machine's own processes sit at adj 0 or below.
import type { ProcessSource } from '../engine/ports.js';
import type { Snapshot } from '../model/snapshot.js';
import type { MemoryView } from '../policy/types.js';

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
    const min = this.minAdj();
    if (min === null) return snapshot;
    return { ...snapshot, processes: snapshot.processes.filter((p) => p.oomScoreAdj >= min) };
  }

  readMemory(): Promise<MemoryView> {
    return this.inner.readMemory();
  }
}
