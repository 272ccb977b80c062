// Pressure signals derived from the memory state, once per tick:
// - a PSI-like "some" stall figure, ms of stall per second (0…1000), and its sum over the
//   PSI window (what a "some STALL WINDOW" trigger compares against);
// - vmpressure-like levels: low (reclaiming cache), medium (cache below its working set,
//   or swapping), critical (cache below half its working set, or allocations blocked).
// The shapes are modelling choices, documented in docs/simulator.md ("Pressure").

export type Level = 'none' | 'low' | 'medium' | 'critical';
export const LEVELS: readonly Level[] = ['none', 'low', 'medium', 'critical'];

/** Stall (ms/s) when the page cache is gone entirely but allocations still succeed. */
const THRASH_STALL_MAX = 900;
/** Stall (ms/s) when swap-out runs at its full bandwidth (kswapd does most of it; tasks stall only in direct reclaim). */
const SWAP_STALL_MAX = 100;

export interface MemoryFacts {
  cacheKiB: number;
  cacheWantKiB: number;
  cacheFloorKiB: number;
  freeKiB: number;
  reserveKiB: number;
  /** Some allocation was refused this tick. */
  blocked: boolean;
  swappedKiB: number;
  swapBudgetKiB: number;
}

/** Stall in ms per second of this tick. */
export function stallPerSecond(f: MemoryFacts): number {
  if (f.blocked) return 1000;
  const thrash = f.cacheFloorKiB > 0 && f.cacheKiB < f.cacheFloorKiB ? (THRASH_STALL_MAX * (f.cacheFloorKiB - f.cacheKiB)) / f.cacheFloorKiB : 0;
  const swap = f.swapBudgetKiB > 0 ? (SWAP_STALL_MAX * f.swappedKiB) / f.swapBudgetKiB : 0;
  return Math.min(1000, Math.round(thrash + swap));
}

export function levelOf(f: MemoryFacts): Level {
  if (f.blocked || (f.cacheFloorKiB > 0 && f.cacheKiB * 2 < f.cacheFloorKiB)) return 'critical';
  if ((f.cacheFloorKiB > 0 && f.cacheKiB < f.cacheFloorKiB) || f.swappedKiB > 0) return 'medium';
  if (f.cacheKiB < f.cacheWantKiB || f.freeKiB < f.reserveKiB) return 'low';
  return 'none';
}

/**
 * Sliding sum of per-tick stall over the PSI window (a ring of ticks). Kept in integer
 * units (stall ms/s x tick ms) so sums never drift, however long the run.
 */
export class StallWindow {
  private readonly ring: Float64Array;
  private at = 0;
  private sum = 0;
  private total = 0;

  constructor(windowTicks: number) {
    this.ring = new Float64Array(Math.max(1, windowTicks));
  }

  push(stallPerSec: number, tickMs: number): void {
    const units = stallPerSec * tickMs;
    this.sum += units - (this.ring[this.at] ?? 0);
    this.ring[this.at] = units;
    this.at = (this.at + 1) % this.ring.length;
    this.total += units;
  }

  /** Stall within the window, ms. */
  get windowMs(): number {
    return this.sum / 1000;
  }

  /** Total stall since time 0, ms (the "total=" field of a pressure file, in ms). */
  get totalMs(): number {
    return this.total / 1000;
  }
}
