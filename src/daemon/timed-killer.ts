// The Killer as the engine sees it, plus a note of when each SIGKILL left (KillResult's
// signalAtMs, on the daemon's clock). The kill log line then carries both the trigger
// event's time and the signal's, so "pressure event -> SIGKILL sent" is measurable from
// the JSON log alone (bench/daemon.bench.ts does exactly that).
import type { Killer, KillOptions, KillResult } from '../engine/ports.js';
import type { Victim } from '../model/decision.js';

export class TimedKiller implements Killer {
  private readonly signalAt = new Map<number, number | null>();

  constructor(private readonly inner: Killer) {}

  async kill(victims: readonly Victim[], options: KillOptions): Promise<KillResult[]> {
    this.signalAt.clear();
    const results = await this.inner.kill(victims, options);
    for (const r of results) this.signalAt.set(r.victim.pid, r.signalAtMs);
    return results;
  }

  waitForExit(results: readonly KillResult[], timeoutMs: number): Promise<(number | null)[]> {
    return this.inner.waitForExit(results, timeoutMs);
  }

  /** Clock time SIGKILL was sent to pid in the latest batch (null: not sent / unknown). */
  signalAtMs(pid: number): number | null {
    return this.signalAt.get(pid) ?? null;
  }
}
