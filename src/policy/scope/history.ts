// Scope sizes remembered across events, as a value (DESIGN.md example 2): the engine keeps
// it and passes it in; time arrives as ctx.nowMs, never from a clock read here. Growth is
// "now minus the oldest sample inside the window" — the window keeps one sample at or
// beyond its start as the baseline, so a window of 10 s means "grown over >= 10 s" once
// the daemon has run that long.
export interface ScopeSample {
  atMs: number;
  /** Scope path -> size, KiB. */
  sizes: Readonly<Record<string, number>>;
}

export interface ScopeHistory {
  samples: readonly ScopeSample[];
}

export const EMPTY_HISTORY: ScopeHistory = { samples: [] };

/** Samples closer together than this replace each other (an event right after a sample). */
const MIN_SAMPLE_GAP_MS = 100;
/** Bound on memory: one sample per second over a 10 s window needs 11. */
const MAX_SAMPLES = 64;

/** The history with this sample added and samples older than the baseline dropped. */
export function addSample(history: ScopeHistory, sample: ScopeSample, windowMs: number): ScopeHistory {
  const kept = history.samples.filter((s) => s.atMs <= sample.atMs);
  const last = kept[kept.length - 1];
  if (last && sample.atMs - last.atMs < MIN_SAMPLE_GAP_MS && kept.length > 1) kept.pop();
  kept.push(sample);
  // Keep the newest sample at or before the window's start (the baseline) and every later one.
  const start = sample.atMs - windowMs;
  let first = 0;
  for (let i = 0; i < kept.length; i++) if ((kept[i]?.atMs ?? 0) <= start) first = i;
  return { samples: kept.slice(Math.max(first, kept.length - MAX_SAMPLES)) };
}

/**
 * Growth of one scope from its earliest sample in the history to `nowKiB`, or null when no
 * earlier sample knows it. A scope first seen inside the window counts from that sample,
 * so a new scope is not a "leaker" merely for existing.
 */
export function growthKiB(history: ScopeHistory, path: string, nowKiB: number, nowMs: number): number | null {
  for (const s of history.samples) {
    if (s.atMs >= nowMs) break;
    const then = s.sizes[path];
    if (then !== undefined) return nowKiB - then;
  }
  return null;
}

/** When the sample growthKiB counts from was taken (ms on the engine clock), or null. */
export function growthSinceMs(history: ScopeHistory, path: string, nowMs: number): number | null {
  for (const s of history.samples) {
    if (s.atMs >= nowMs) break;
    if (s.sizes[path] !== undefined) return s.atMs;
  }
  return null;
}
