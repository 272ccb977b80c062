// Kills counted per oom_score_adj, as lmkd's killcnt tables, for LMK_GETKILLCNT.
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../model/limits.js';

export class KillCounters {
  private readonly byAdj = new Map<number, number>();
  private totalKills = 0;

  record(adj: number): void {
    const a = Math.max(OOM_SCORE_ADJ_MIN, Math.min(OOM_SCORE_ADJ_MAX, Math.trunc(adj)));
    this.byAdj.set(a, (this.byAdj.get(a) ?? 0) + 1);
    this.totalKills++;
  }

  get total(): number {
    return this.totalKills;
  }

  /**
   * Kills with minAdj <= adj <= maxAdj, with lmkd's get_killcnt() rules in its order:
   * minAdj > maxAdj gives 0; then minAdj > 1000 gives the total (so `1001 1001` asks for
   * the total, as ActivityManager does with UNKNOWN_ADJ).
   */
  count(minAdj: number, maxAdj: number): number {
    if (minAdj > maxAdj) return 0;
    if (minAdj > OOM_SCORE_ADJ_MAX) return this.totalKills;
    let sum = 0;
    for (const [adj, n] of this.byAdj) if (adj >= minAdj && adj <= maxAdj) sum += n;
    return sum;
  }
}
