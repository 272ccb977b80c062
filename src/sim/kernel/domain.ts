// A virtual memory domain: the whole machine or one cgroup with a limit. Each tick it
// starts and ends processes, grows and shrinks them along their curves, evicts page
// cache before anything else, swaps the coldest anon when the cache is at its working
// set, blocks allocations when nothing is left, and derives the pressure signals. Swap
// may be zram (swapped pages still cost RAM, compressed), and reclaim may lag a fast
// allocator (free memory falls towards the min watermark before the working set goes).
import type { Killed } from '../results.js';
import type { DomainSpec } from '../scenario/types.js';
import type { SimProcess } from './process.js';
import { levelOf, stallPerSecond, StallWindow, type Level, type MemoryFacts } from './pressure.js';
import { kernelOomVictim } from './oom.js';
import { exitDelayMs, reapCostMs } from './exit.js';

/** The span of a pressure file's avg10. */
const AVG10_MS = 10_000;

export interface DomainListener {
  /** A killed process exited and gave back what reaping had not already freed. */
  exited(p: Killed, kib: number, atMs: number): void;
  /** The kernel's own OOM killer acted (the policy did not act in time). */
  kernelKill(p: Killed, atMs: number, effects: KillEffects): void;
}

export interface KillEffects {
  /** Anon + swap released by reaping at the kill, KiB. */
  reapedKiB: number;
  reaped: boolean;
  reapMs: number | null;
  notes: string[];
}

export interface KillMode {
  reap: boolean;
  thaw: boolean;
  boost: boolean;
}

export class SimDomain {
  /** Processes present (running or dying), pid order. */
  readonly present: SimProcess[] = [];
  private readonly pending: SimProcess[];
  private pendingAt = 0;
  private readonly byPid = new Map<number, SimProcess>();
  private coldOrder: SimProcess[] | null = null;
  /** kernel + resident memory of every present process, KiB. */
  residentKiB: number;
  swapUsedKiB = 0;
  cacheKiB = 0;
  freeKiB = 0;
  stall = 0;
  level: Level = 'none';
  blocked = false;
  private blockedMs = 0;
  private swapped = 0;
  private swapBudget = 0;
  readonly window: StallWindow;
  /**
   * The stall over the last 10 s: the pressure file's avg10 (the kernel's is a moving
   * average updated every 2 s; a sliding mean is the model's). The one stall figure
   * stands for `some` and `full` alike, so this is lmkd's `full avg10` too.
   */
  private readonly avg10: StallWindow;
  /** Domain-wide time under critical pressure, ms. */
  criticalMs = 0;
  /**
   * /proc/vmstat-like counters, KiB since time 0 (the reader turns them into pages). They
   * describe the model and never change it: the part of the page cache's working set
   * (cache_floor) that is not cached is read back once a second (refaults); kswapd scans
   * what it evicts or swaps; allocations scan directly when they were refused or the
   * working set no longer fits.
   */
  refaultKiB = 0;
  scanKswapdKiB = 0;
  scanDirectKiB = 0;
  private lastCacheKiB = 0;

  constructor(
    readonly spec: DomainSpec,
    processes: readonly SimProcess[],
    private readonly tickMs: number,
    private readonly listener: DomainListener,
  ) {
    for (const p of processes) this.byPid.set(p.pid, p);
    this.pending = processes.filter((p) => p.spec.startMs !== null).sort((a, b) => (a.spec.startMs ?? 0) - (b.spec.startMs ?? 0) || a.pid - b.pid);
    this.residentKiB = spec.kernelKiB;
    this.window = new StallWindow(Math.round(spec.psi.windowMs / tickMs));
    this.avg10 = new StallWindow(Math.round(AVG10_MS / tickMs));
    this.settle();
  }

  /** PSI avg10 of the domain, percent: stall ms in the last 10 s ÷ 10 s. */
  get stallAvg10Pct(): number {
    return Math.round((this.avg10.windowMs / AVG10_MS) * 10000) / 100;
  }

  /** RAM zram uses for the swapped pages (compressed by zram_ratio); 0 for disk swap. */
  get zramKiB(): number {
    const r = this.spec.zramRatio;
    return r === null ? 0 : Math.ceil(this.swapUsedKiB / r);
  }

  /** RAM in use: kernel, processes' resident memory and zram's compressed pages. */
  get usedKiB(): number {
    return this.residentKiB + this.zramKiB;
  }

  get minWatermarkKiB(): number {
    return Math.floor(this.spec.reserveKiB / 4);
  }

  get limitKiB(): number {
    // The min watermark: allocations beyond it block (a quarter of the high watermark).
    return this.spec.sizeKiB - this.minWatermarkKiB;
  }

  process(pid: number): SimProcess | undefined {
    return this.byPid.get(pid);
  }

  /** One tick at nowMs: starts, exits, growth, cache, pressure, the kernel's OOM killer. */
  step(nowMs: number): void {
    while (this.pendingAt < this.pending.length && (this.pending[this.pendingAt]?.spec.startMs ?? Infinity) <= nowMs) {
      this.start(this.pending[this.pendingAt++] as SimProcess, nowMs);
    }
    this.exits(nowMs);
    this.swapped = 0;
    // At time 0 the processes present are placed as if they had been running for a while:
    // their cold pages are already in swap, so the first tick's swap-out is not rate-limited.
    this.swapBudget = nowMs === 0 ? this.spec.swapKiB : Math.floor((this.spec.swapRateKiBps * this.tickMs) / 1000);
    this.blocked = this.grow(nowMs);
    this.swapForCache();
    this.settle();
    this.count();
    this.pressure();
    this.kernelOom(nowMs);
  }

  private count(): void {
    const missing = Math.max(0, this.spec.cacheFloorKiB - this.cacheKiB);
    const refault = Math.round((missing * this.tickMs) / 1000);
    this.refaultKiB += refault;
    this.scanKswapdKiB += this.swapped + Math.max(0, this.lastCacheKiB - this.cacheKiB);
    if (this.blocked || missing > 0) this.scanDirectKiB += Math.max(refault, 4);
    this.lastCacheKiB = this.cacheKiB;
  }

  start(p: SimProcess, nowMs: number): void {
    if (p.life !== 'waiting') return;
    p.start(nowMs);
    this.residentKiB += p.residentKiB();
    let i = this.present.length;
    while (i > 0 && (this.present[i - 1] as SimProcess).pid > p.pid) i--;
    this.present.splice(i, 0, p);
    this.coldOrder = null;
  }

  /** The process ends by itself (an event, or its stop time). */
  stop(p: SimProcess, nowMs: number): void {
    if (p.life === 'running') this.exit(p, nowMs, 'stop');
  }

  private exits(nowMs: number): void {
    for (let i = 0; i < this.present.length; i++) {
      const p = this.present[i] as SimProcess;
      if (p.dstateUntilMs !== 0 && p.dstateUntilMs <= nowMs) {
        p.dstateUntilMs = 0;
        p.touch();
      }
      if (p.life === 'running' && p.spec.stopMs !== null && p.spec.stopMs <= nowMs) {
        this.exit(p, nowMs, 'stop');
        i--;
      } else if (p.life === 'dying') {
        // A victim that was frozen or in D-state starts its exit once it can run.
        if (p.exitAtMs === null && p.runnable(nowMs)) this.scheduleExit(p, nowMs);
        if (p.exitAtMs !== null && p.exitAtMs <= nowMs) {
          this.exit(p, nowMs, 'exit');
          i--;
        }
      }
    }
  }

  private exit(p: SimProcess, nowMs: number, how: 'exit' | 'stop'): void {
    const kib = p.totalKiB();
    this.residentKiB -= p.residentKiB();
    this.swapUsedKiB -= p.swapKiB;
    p.anonKiB = p.swapKiB = p.fileKiB = p.shmemKiB = 0;
    p.life = 'exited';
    p.exitedAtMs = nowMs;
    this.present.splice(this.present.indexOf(p), 1);
    this.coldOrder = null;
    if (how === 'exit') this.listener.exited(p, kib, nowMs);
  }

  /** Grow or shrink every runnable process to its curve; true when some growth was refused. */
  private grow(nowMs: number): boolean {
    let blocked = false;
    for (const p of this.present) {
      // A frozen (or D-state) process holds its memory; one that starts frozen has it already.
      if (p.life !== 'running' || (!p.runnable(nowMs) && p.startedAtMs !== nowMs)) continue;
      const want = p.wantedAnonKiB(nowMs);
      const have = p.anonKiB + p.swapKiB;
      let refused = false;
      if (want < have) {
        const fromAnon = Math.min(p.anonKiB, have - want);
        p.anonKiB -= fromAnon;
        p.swapKiB -= have - want - fromAnon;
        this.swapUsedKiB -= have - want - fromAnon;
        this.residentKiB -= fromAnon;
        p.touch();
      } else if (want > have) {
        const request = want - have;
        if (this.usedKiB + request > this.limitKiB) this.swapOut(this.usedKiB + request - this.limitKiB, p);
        const grant = Math.max(0, Math.min(request, this.limitKiB - this.usedKiB));
        p.anonKiB += grant;
        this.residentKiB += grant;
        refused = grant < request;
        p.touch();
      }
      if (refused !== p.blocked) {
        p.blocked = refused;
        p.touch();
      }
      blocked ||= refused;
    }
    return blocked;
  }

  /** With swap, the kernel swaps cold anon rather than thrash the cache's working set. */
  private swapForCache(): void {
    const cacheRoom = this.spec.sizeKiB - this.usedKiB - this.spec.reserveKiB;
    if (cacheRoom < this.spec.cacheFloorKiB) this.swapOut(this.spec.cacheFloorKiB - cacheRoom, null);
  }

  /** Free ramKiB of RAM by moving anon to swap, coldest first (frozen, then highest adj, then pid). */
  private swapOut(ramKiB: number, except: SimProcess | null): void {
    // On zram a swapped page still costs 1/ratio of itself: freeing ramKiB takes ramKiB × r/(r − 1).
    const r = this.spec.zramRatio;
    const kib = r === null ? ramKiB : Math.ceil((ramKiB * r) / (r - 1));
    let left = Math.min(kib, this.swapBudget - this.swapped, this.spec.swapKiB - this.swapUsedKiB);
    if (left <= 0) return;
    for (const p of this.coldest()) {
      if (left <= 0) break;
      if (p === except || p.life !== 'running' || p.anonKiB === 0) continue;
      const n = Math.min(left, p.anonKiB);
      p.anonKiB -= n;
      p.swapKiB += n;
      p.touch();
      this.residentKiB -= n;
      this.swapUsedKiB += n;
      this.swapped += n;
      left -= n;
    }
  }

  private coldest(): SimProcess[] {
    this.coldOrder ??= [...this.present].sort((a, b) => Number(b.frozen) - Number(a.frozen) || b.adj - a.adj || a.pid - b.pid);
    return this.coldOrder;
  }

  /** Priorities or freezing changed: the swap order must be rebuilt. */
  reorder(): void {
    this.coldOrder = null;
  }

  /**
   * Page cache fills what is left above the high watermark, up to what the workload wants.
   * With reclaim_lag, the working set (up to cache_floor) is taken only in direct reclaim,
   * once free memory is down at the min watermark: kswapd cannot keep up with the allocator.
   */
  private settle(): void {
    const s = this.spec;
    const room = s.sizeKiB - this.usedKiB;
    let cache = Math.max(0, Math.min(s.cacheKiB, room - s.reserveKiB));
    if (s.reclaimLag && cache < s.cacheFloorKiB) cache = Math.max(cache, Math.min(s.cacheFloorKiB, room - this.minWatermarkKiB));
    this.cacheKiB = cache;
    this.freeKiB = room - cache;
  }

  facts(): MemoryFacts {
    return {
      cacheKiB: this.cacheKiB,
      cacheWantKiB: this.spec.cacheKiB,
      cacheFloorKiB: this.spec.cacheFloorKiB,
      freeKiB: this.freeKiB,
      reserveKiB: this.spec.reserveKiB,
      blocked: this.blocked,
      swappedKiB: this.swapped,
      swapBudgetKiB: this.swapBudget,
    };
  }

  private pressure(): void {
    const facts = this.facts();
    this.stall = stallPerSecond(facts);
    this.level = levelOf(facts);
    this.window.push(this.stall, this.tickMs);
    this.avg10.push(this.stall, this.tickMs);
    if (this.level === 'critical') this.criticalMs += this.tickMs;
  }

  /** The kernel OOM killer: after allocations stayed blocked oom.afterMs, kill the worst. */
  private kernelOom(nowMs: number): void {
    this.blockedMs = this.blocked ? this.blockedMs + this.tickMs : 0;
    if (!this.spec.oom.enabled || this.blockedMs < this.spec.oom.afterMs) return;
    if (this.present.some((p) => p.killedBy === 'kernel-oom' && p.life === 'dying')) return;
    const victim = kernelOomVictim(this.present, this.spec.sizeKiB + this.spec.swapKiB);
    if (!victim) return;
    this.blockedMs = 0;
    victim.killedBy = 'kernel-oom';
    // The kernel thaws its victim and its oom_reaper frees the anon at once.
    const effects = this.kill(victim, nowMs, { reap: true, thaw: true, boost: false });
    this.listener.kernelKill(victim, nowMs, effects);
  }

  /** SIGKILL: the process is dying; reaping frees anon + swap now, the rest at exit. */
  kill(p: SimProcess, nowMs: number, mode: KillMode): KillEffects {
    const notes: string[] = [];
    p.life = 'dying';
    p.killedAtMs = nowMs;
    p.blocked = false;
    if (p.frozen && mode.thaw) {
      p.frozen = false;
      notes.push('thawed');
    } else if (p.frozen) notes.push('frozen, not thawed (thaw = false)');
    p.boosted = mode.boost;
    // Boosting is the normal case; only say so when it cannot help.
    if (mode.boost && p.cpuStarved) notes.push('boost-ineffective: cpu-starved');
    let reaped = false;
    let reapMs: number | null = null;
    let reapedKiB = 0;
    if (mode.reap && p.spec.sharedMm) notes.push('reap-skipped: shared-mm');
    else if (mode.reap) {
      reapedKiB = p.anonKiB + p.swapKiB;
      this.residentKiB -= p.anonKiB;
      this.swapUsedKiB -= p.swapKiB;
      p.anonKiB = p.swapKiB = 0;
      reaped = true;
      reapMs = reapCostMs(reapedKiB);
    }
    p.touch();
    this.coldOrder = null;
    if (p.runnable(nowMs)) this.scheduleExit(p, nowMs);
    this.settle();
    return { reapedKiB, reaped, reapMs, notes };
  }

  private scheduleExit(p: SimProcess, nowMs: number): void {
    const cpuDemand = this.present.reduce((sum, q) => (q.runnable(nowMs) ? sum + q.spec.cpu : sum), 0);
    p.exitAtMs = nowMs + exitDelayMs(p, this.spec, cpuDemand);
  }
}
