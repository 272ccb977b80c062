// Which processes keep which /proc fds open between scans, within an fd budget.
// Saving per held fd is about the same for every file (an open and a close), so when
// the budget cannot hold 4 fds for everyone, every process first gets 2 (stat and
// oom_score_adj: the cheapest identity anchor, and stat is the dearest open), and the
// rest of the budget goes to 4-fd processes. Tiers are rebalanced as the process count
// changes, one process at a time as it is read.
import { errorCode } from '../sys/errors.js';
import { NO_FD, type PidEntry, type Tier } from './entry.js';
import { GONE, closeQuietly, openOrGone } from './read-buffer.js';

/** Thrown (not an Error: no stack to capture) when an open says the process is gone. */
export const GONE_SIGNAL = Symbol('gone');
/** Thrown when the process's fds reach the ceiling (or EMFILE): hold no more. */
const FULL_SIGNAL = Symbol('fd-table-full');

export function must(n: number): number {
  if (n === GONE) throw GONE_SIGNAL;
  return n;
}

export class FdTable {
  private budget: number;
  private held = { 1: 0, 2: 0, 4: 0 };
  /** Processes that may hold 2 or more fds, and how many of them may hold 4. */
  private slotsHeld = 0;
  private slots4 = 0;
  private lastPlan = { listed: 0, kernelThreads: 0 };

  /** Fds a top-tier process holds: 4, or 3 when oom_score is never read through a held fd. */
  private readonly topTierFds: number;

  /**
   * @param budget fds this table may hold
   * @param ceiling highest fd number a held fd may get (limits.ts fdCeiling): a
   *   process-wide guard that also counts other scanners' and other threads' fds
   * @param holdOomScore false: top-tier processes hold no oom_score fd (a scanner that
   *   rarely reads oom_score reads it by path, and saves the fd's 4 KiB seq_file buffer)
   */
  constructor(
    private readonly procRoot: string,
    budget: number,
    private ceiling: number,
    private readonly holdOomScore = true,
  ) {
    this.budget = Math.max(0, budget);
    this.topTierFds = holdOomScore ? 4 : 3;
  }

  /** New limits (after RLIMIT_NOFILE was raised); held fds above them go at their next read. */
  setLimits(budget: number, ceiling: number): void {
    this.budget = Math.max(0, budget);
    this.ceiling = ceiling;
    this.plan(this.lastPlan.listed, this.lastPlan.kernelThreads);
  }

  get fdsInUse(): number {
    return this.held[1] + 2 * this.held[2] + this.topTierFds * this.held[4];
  }

  get processesHolding(): number {
    return this.held[1] + this.held[2] + this.held[4];
  }

  /** Plan the tiers for a scan of `listed` pids, of which about `kernelThreads` hold 1 fd. */
  plan(listed: number, kernelThreads: number): void {
    this.lastPlan = { listed, kernelThreads };
    const fds = Math.max(0, this.budget - kernelThreads);
    const n = Math.max(0, listed - kernelThreads);
    if (2 * n >= fds) {
      this.slotsHeld = Math.floor(fds / 2);
      this.slots4 = 0;
    } else {
      this.slotsHeld = n;
      this.slots4 = Math.min(n, Math.floor((fds - 2 * n) / (this.topTierFds - 2)));
    }
  }

  private wantedTier(e: PidEntry): Tier {
    const holding = this.held[2] + this.held[4];
    switch (e.tier) {
      case 4:
        return this.held[4] > this.slots4 ? 2 : 4;
      case 2:
        if (holding > this.slotsHeld) return 0;
        return this.held[4] < this.slots4 ? 4 : 2;
      case 1:
        return 1;
      default:
        if (holding >= this.slotsHeld) return 0;
        return this.held[4] < this.slots4 ? 4 : 2;
    }
  }

  /** Whether prepare() would leave this process's held fds as they are. */
  keeps(e: PidEntry): boolean {
    return e.tier !== 0 && e.statFd !== NO_FD && this.wantedTier(e) === e.tier;
  }

  path(e: PidEntry, file: string): string {
    return `${this.procRoot}/${e.pid}/${file}`;
  }

  /**
   * Before a read: held fds per the plan, or stat and oom_score_adj opened for this read.
   * A known kernel thread needs only stat.
   */
  prepare(e: PidEntry, scanNo: number, kernelThread: boolean): void {
    if (kernelThread) return this.prepareStatOnly(e, scanNo);
    const tier = this.wantedTier(e);
    if (tier < e.tier) this.shrink(e, tier);
    try {
      if (tier > e.tier || e.statFd === NO_FD) this.grow(e, tier, scanNo);
    } catch (x) {
      if (x !== FULL_SIGNAL && errorCode(x) !== 'EMFILE') throw x;
      // The rest of the process needs fds too: hold no more, read this one uncached.
      this.shrink(e, 0);
      this.budget = Math.max(0, this.fdsInUse - 64);
      this.plan(this.lastPlan.listed, this.lastPlan.kernelThreads);
      this.grow(e, 0, scanNo);
    }
  }

  private prepareStatOnly(e: PidEntry, scanNo: number): void {
    if (e.tier === 1 && e.statFd !== NO_FD) return;
    this.shrink(e, 0);
    const fd = must(openOrGone(this.path(e, 'stat')));
    e.statFd = fd;
    if (this.fdsInUse + 1 <= this.budget && fd < this.ceiling) {
      this.setTier(e, 1);
      e.openedScan = scanNo;
    }
  }

  private grow(e: PidEntry, tier: Tier, scanNo: number): void {
    const held = tier > 0;
    if (e.statFd === NO_FD) {
      this.setTier(e, tier);
      if (held) e.openedScan = scanNo;
      e.statFd = this.open(e, 'stat', held);
      e.adjFd = this.open(e, 'oom_score_adj', held);
    } else {
      this.setTier(e, tier);
    }
    if (tier === 4) {
      // Opened after stat: vouched for by the oom_score_adj read that ends every read.
      if (e.statmFd === NO_FD) e.statmFd = this.open(e, 'statm', true);
      if (e.scoreFd === NO_FD && this.holdOomScore) e.scoreFd = this.open(e, 'oom_score', true);
    }
  }

  private open(e: PidEntry, file: string, held: boolean): number {
    const fd = must(openOrGone(this.path(e, file)));
    if (held && fd >= this.ceiling) {
      closeQuietly(fd);
      throw FULL_SIGNAL;
    }
    return fd;
  }

  /** After a read: a kernel thread keeps only stat; tier-0 processes close everything. */
  finish(e: PidEntry, kernelThread: boolean): void {
    if (kernelThread && e.tier > 1) {
      this.shrink(e, 0, false);
      this.setTier(e, 1);
      return;
    }
    if (e.tier === 0) this.shrink(e, 0);
  }

  /**
   * Stop counting this process's fds without closing them: a helper given up while it
   * may still read them (scan-helper.ts). They leak, which is the safe choice.
   */
  forget(e: PidEntry): void {
    this.setTier(e, 0);
    e.statFd = e.statmFd = e.adjFd = e.scoreFd = NO_FD;
  }

  /** Close the fds above `tier` (all of them for 0; closeStat false leaves stat open). */
  shrink(e: PidEntry, tier: Tier, closeStat = true): void {
    if (tier < 4) {
      e.statmFd = closeFd(e.statmFd);
      e.scoreFd = closeFd(e.scoreFd);
    }
    if (tier < 2) e.adjFd = closeFd(e.adjFd);
    if (tier < 1 && closeStat) e.statFd = closeFd(e.statFd);
    this.setTier(e, tier);
  }

  private setTier(e: PidEntry, tier: Tier): void {
    if (e.tier !== 0) this.held[e.tier]--;
    e.tier = tier;
    if (tier !== 0) this.held[tier]++;
  }
}

function closeFd(fd: number): number {
  closeQuietly(fd);
  return NO_FD;
}
