// Per-tick series downsampled for the charts: at most MAX_POINTS per series, each point
// the maximum of its bucket so peaks survive, deterministic for the same timeline.
import type { Timeline } from '../results.js';

const MAX_POINTS = 600;

interface Series {
  times: number[];
  used: number[];
  cache: number[];
  swap: number[];
  stall: number[];
  critical: boolean[];
}

/** Bucket maxima (used + cache is the top of the cache area); critical if any tick was. */
export function downsample(t: Timeline): Series {
  const n = t.usedKiB.length;
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const s: Series = { times: [], used: [], cache: [], swap: [], stall: [], critical: [] };
  for (let i = 0; i < n; i += step) {
    let used = 0, cache = 0, swap = 0, stall = 0, critical = false;
    for (let j = i; j < Math.min(n, i + step); j++) {
      used = Math.max(used, t.usedKiB[j] ?? 0);
      cache = Math.max(cache, (t.usedKiB[j] ?? 0) + (t.cacheKiB[j] ?? 0));
      swap = Math.max(swap, t.swapKiB[j] ?? 0);
      stall = Math.max(stall, t.stall[j] ?? 0);
      critical ||= t.level[j] === 3;
    }
    s.times.push(i * t.tickMs);
    s.used.push(used);
    s.cache.push(cache);
    s.swap.push(swap);
    s.stall.push(stall);
    s.critical.push(critical);
  }
  return s;
}
