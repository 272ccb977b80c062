// What a domain says about scopes (docs/policies.md, "Scopes"): whether processes are
// grouped into scopes at all, where the scopes live, how they are ranked, what dies
// inside the chosen one, and which scopes are protected, avoided or preferred.
import { PolicyError } from '../errors.js';

type ScopeMode = 'none' | 'cgroup';
type KillUnit = 'process' | 'cgroup';
type ScopeRankBy = 'growth' | 'size';

export const SCOPE_MODES: readonly ScopeMode[] = ['none', 'cgroup'];
export const KILL_UNITS: readonly KillUnit[] = ['process', 'cgroup'];
export const SCOPE_RANKS: readonly ScopeRankBy[] = ['growth', 'size'];

export interface ScopeSettings {
  mode: ScopeMode;
  /**
   * The cgroup2 directory whose direct children are the scopes, as configured
   * ("/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service/app.slice").
   */
  root: string | null;
  killUnit: KillUnit;
  /** growth: the scope that grew most over windowMs first (the leaker), then size; size: largest first. */
  rank: ScopeRankBy;
  /** How far back growth is measured, ms. */
  windowMs: number;
  /** Scope path patterns ("*" within one path segment, "**" across segments). */
  protect: readonly string[];
  avoid: readonly string[];
  prefer: readonly string[];
}

/**
 * 10 s: systemd-oomd's default swap/pressure window is 20 s and its memory-pressure
 * duration 30 s, far too slow for a leak that fills memory in seconds; a 10 s window
 * still spans several samples (one per second) of a leak growing at 100 MiB/s.
 */
const DEFAULT_SCOPE_WINDOW_MS = 10_000;

export const NO_SCOPES: ScopeSettings = {
  mode: 'none',
  root: null,
  killUnit: 'process',
  rank: 'growth',
  windowMs: DEFAULT_SCOPE_WINDOW_MS,
  protect: [],
  avoid: [],
  prefer: [],
};

/**
 * How often a runtime samples the scopes' sizes between events (the daemon on a timer, the
 * simulator on its virtual clock), so the first pressure event already knows which scope
 * grew: every second, or a quarter of the window when that is shorter (at least 100 ms).
 */
export function scopeSampleEveryMs(s: Pick<ScopeSettings, 'windowMs'>): number {
  return Math.max(100, Math.min(1000, s.windowMs / 4));
}

export function scopesOn(s: ScopeSettings | undefined): s is ScopeSettings & { root: string } {
  return s !== undefined && s.mode === 'cgroup' && s.root !== null;
}

const compiled = new Map<string, RegExp>();

/** "/kubepods.slice/*" -> a RegExp matching one child of kubepods.slice; throws PolicyError when empty or relative. */
export function compileScopePattern(pattern: string): RegExp {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  if (!pattern.startsWith('/')) throw new PolicyError('bad-matcher', `scope pattern "${pattern}" must start with "/"`);
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      src += '.*';
      i++;
    } else if (c === '*') src += '[^/]*';
    else src += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${src}$`);
  compiled.set(pattern, re);
  return re;
}

/** The first pattern in `patterns` that matches the scope path, or undefined. */
export function matchingPattern(patterns: readonly string[], path: string): string | undefined {
  for (const p of patterns) if (compileScopePattern(p).test(path)) return p;
  return undefined;
}
