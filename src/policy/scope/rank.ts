// The scope ranking: tiers first (prefer, normal, avoid; omit never), then inside a tier
// the leaker — the scope whose size grew most over the window — then the largest
// (rank = "growth", the default), or the largest only (rank = "size"). Ties: path.
import { formatKiB } from '../../model/units.js';
import { totalSizeKiB, type ScopeAttrs, type Snapshot } from '../../model/snapshot.js';
import type { RankedScope } from '../../model/decision.js';
import { growthKiB, growthSinceMs, type ScopeHistory, type ScopeSample } from './history.js';
import { groupByScope, type ScopeGroup } from './members.js';
import { matchingPattern, type ScopeSettings } from './settings.js';

/** Growth below 1 MiB over the window is noise (page cache, a heap breathing), not a leak. */
const GROWTH_NOISE_KIB = 1024;

export interface Scope extends ScopeGroup {
  tier: RankedScope['tier'];
  tierWhy?: string;
  sizeKiB: number;
  growthKiB: number | null;
  /** How long the growth was measured over, ms (null without an earlier sample). */
  growthSpanMs: number | null;
}

const TIER_ORDER: Readonly<Record<RankedScope['tier'], number>> = { prefer: 0, normal: 1, avoid: 2, omit: 3 };

function tierOf(g: ScopeGroup, attrs: ScopeAttrs | undefined, s: ScopeSettings): Pick<Scope, 'tier' | 'tierWhy'> {
  if (attrs?.oomdOmit) return { tier: 'omit', tierWhy: 'xattr user.oomd_omit' };
  const prot = g.cgroup ? matchingPattern(s.protect, g.path) : undefined;
  if (prot !== undefined) return { tier: 'omit', tierWhy: `scope_protect ${prot}` };
  if (attrs?.oomdAvoid) return { tier: 'avoid', tierWhy: 'xattr user.oomd_avoid' };
  const avoid = g.cgroup ? matchingPattern(s.avoid, g.path) : undefined;
  if (avoid !== undefined) return { tier: 'avoid', tierWhy: `scope_avoid ${avoid}` };
  const prefer = g.cgroup ? matchingPattern(s.prefer, g.path) : undefined;
  if (prefer !== undefined) return { tier: 'prefer', tierWhy: `scope_prefer ${prefer}` };
  return { tier: 'normal' };
}

/** A scope's size: its own memory.current where the kernel has it, else the sum of its processes' sizes. */
function sizeOf(g: ScopeGroup, attrs: ScopeAttrs | undefined): number {
  if (attrs?.memoryCurrentKiB !== undefined) return attrs.memoryCurrentKiB;
  let kib = 0;
  for (const p of g.members) kib += totalSizeKiB(p);
  return kib;
}

/** The growth the ranking counts: null and noise count as none. */
function rankedGrowth(s: Pick<Scope, 'growthKiB'>): number {
  return s.growthKiB === null || s.growthKiB < GROWTH_NOISE_KIB ? 0 : s.growthKiB;
}

function compare(rank: ScopeSettings['rank']): (a: Scope, b: Scope) => number {
  return (a, b) =>
    TIER_ORDER[a.tier] - TIER_ORDER[b.tier] ||
    (rank === 'growth' ? rankedGrowth(b) - rankedGrowth(a) : 0) ||
    b.sizeKiB - a.sizeKiB ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Every scope of the snapshot, ranked (first = first to be considered). */
export function rankScopes(snapshot: Snapshot, s: ScopeSettings & { root: string }, history: ScopeHistory, nowMs: number): Scope[] {
  const attrs = new Map((snapshot.scopes ?? []).map((a) => [a.path, a]));
  const scopes = groupByScope(snapshot, s.root).map((g): Scope => {
    const a = attrs.get(g.path);
    const sizeKiB = sizeOf(g, a);
    const since = growthSinceMs(history, g.path, nowMs);
    return { ...g, ...tierOf(g, a, s), sizeKiB, growthKiB: growthKiB(history, g.path, sizeKiB, nowMs), growthSpanMs: since === null ? null : nowMs - since };
  });
  return scopes.sort(compare(s.rank));
}

/** This snapshot's scope sizes, as a history sample. */
export function sampleOf(scopes: readonly Scope[], nowMs: number): ScopeSample {
  const sizes: Record<string, number> = {};
  for (const sc of scopes) sizes[sc.path] = sc.sizeKiB;
  return { atMs: nowMs, sizes };
}

/** "grew 70.0 MiB in the last 10 s, the most of any scope" and the like. */
export function rankWhy(sc: Scope, first: boolean, s: ScopeSettings): string {
  const size = `${formatKiB(sc.sizeKiB)} in ${sc.members.length} process${sc.members.length === 1 ? '' : 'es'}`;
  const grew = rankedGrowth(sc);
  const tier = sc.tierWhy ? ` (${sc.tier}: ${sc.tierWhy})` : '';
  if (s.rank === 'growth' && grew > 0) {
    const span = sc.growthSpanMs === null ? '' : ` in ${(sc.growthSpanMs / 1000).toFixed(1)} s`;
    return `grew ${formatKiB(grew)}${span}${first ? ', the most of any scope' : ''}; ${size}${tier}`;
  }
  return `${size}${first ? (s.rank === 'growth' ? ', the largest; no scope grew' : ', the largest') : ''}${tier}`;
}
