// The scope stage, shared by every policy: with scope = "cgroup" the domain's processes
// are grouped into scopes (members.ts), the scopes ranked (rank.ts), and the domain's own
// policy then decides inside the chosen scope as if the domain held only that scope
// (kill_unit = "process"), or every member of the scope dies (kill_unit = "cgroup").
//
// Which scope: the first in rank order in which the policy finds a victim — except that
// an avoided scope (user.oomd_avoid, scope_avoid) is chosen only when no other scope
// could free what the policy aims to free (systemd-oomd's ManagedOOMPreference=avoid),
// and an omitted one (user.oomd_omit, scope_protect) never is.
import { formatKiB } from '../../model/units.js';
import { totalSizeKiB, type Snapshot } from '../../model/snapshot.js';
import { victimFrom, type Decision, type RankedScope, type ScopeDecision, type Victim } from '../../model/decision.js';
import { screen } from '../screen.js';
import type { Policy, PolicyContext } from '../types.js';
import { addSample, type ScopeHistory } from './history.js';
import { rankScopes, rankWhy, sampleOf, type Scope } from './rank.js';
import { scopesOn, type ScopeSettings } from './settings.js';

interface ScopedDecision<S> {
  decision: Decision<S>;
  /** The history with this snapshot's scope sizes added: the engine keeps it for the next event. */
  history: ScopeHistory;
}

interface Choice<S> {
  scope: Scope;
  inner: Decision<S>;
  why: string;
}

/** What the policy would free on the whole domain: the target it states, else its victims' sizes. */
function neededKiB(full: Decision): number {
  return full.targetKiB ?? full.victims.reduce((sum, v) => sum + v.sizeKiB, 0);
}

/** The policy's decision inside each scope, computed once per scope and only when asked. */
function decider<P, S>(policy: Policy<P, S>, snapshot: Snapshot, state: S, params: P, ctx: PolicyContext): (sc: Scope) => Decision<S> {
  const cache = new Map<string, Decision<S>>();
  return (sc) => {
    let d = cache.get(sc.path);
    if (!d) cache.set(sc.path, (d = policy.decide({ ...snapshot, processes: sc.members }, state, params, ctx)));
    return d;
  };
}

function choose<S>(ranked: readonly Scope[], decideIn: (sc: Scope) => Decision<S>, needKiB: number, s: ScopeSettings): Choice<S> | undefined {
  const usable = (sc: Scope): boolean => decideIn(sc).victims.length > 0;
  const others = ranked.filter((sc) => sc.tier === 'prefer' || sc.tier === 'normal');
  const avoided = ranked.filter((sc) => sc.tier === 'avoid');
  const first = others.find(usable);
  const enough = (sc: Scope): boolean => sc.sizeKiB >= needKiB && usable(sc);
  if (first && (others.some(enough) || !avoided.some(enough))) {
    return { scope: first, inner: decideIn(first), why: rankWhy(first, true, s) };
  }
  const avoid = avoided.find(enough) ?? (first ? undefined : avoided.find(usable));
  if (avoid) {
    const because = first ? `no other scope holds the ${formatKiB(needKiB)} needed` : 'no other scope has a process the policy may kill';
    return { scope: avoid, inner: decideIn(avoid), why: `${rankWhy(avoid, false, s)}; chosen although avoided: ${because}` };
  }
  return undefined;
}

function rowNote<S>(sc: Scope, chosen: Choice<S> | undefined, decideIn: (sc: Scope) => Decision<S>, needKiB: number): string {
  if (chosen?.scope === sc) return `chosen: ${chosen.why}`;
  if (sc.tier === 'omit') return `omitted (${sc.tierWhy ?? 'rule'}): never chosen`;
  const tried = decideIn(sc);
  if (tried.victims.length === 0) return 'the policy finds no process it may kill in it';
  if (sc.tier === 'avoid') return `avoided (${sc.tierWhy ?? 'rule'}): chosen only when no other scope holds ${formatKiB(needKiB)}`;
  return 'ranked below the chosen scope';
}

function report<S>(ranked: readonly Scope[], chosen: Choice<S> | undefined, decideIn: (sc: Scope) => Decision<S>, needKiB: number, s: ScopeSettings): ScopeDecision {
  const ranking: RankedScope[] = ranked.map((sc, i) => {
    const row: RankedScope = {
      path: sc.path,
      rank: i + 1,
      tier: sc.tier,
      processes: sc.members.length,
      sizeKiB: sc.sizeKiB,
      growthKiB: sc.growthKiB,
      note: rowNote(sc, chosen, decideIn, needKiB),
    };
    if (sc.tierWhy !== undefined) row.tierWhy = sc.tierWhy;
    return row;
  });
  const out: ScopeDecision = { rank: s.rank, windowMs: s.windowMs, ranking, killUnit: s.killUnit };
  if (chosen) {
    out.chosen = chosen.scope.path;
    out.chosenKiB = chosen.scope.sizeKiB;
    out.why = chosen.why;
    if (s.killUnit === 'cgroup' && chosen.scope.cgroup) out.group = chosen.scope.path;
  }
  return out;
}

/** kill_unit "cgroup": every member the shared protection rules allow, largest anon first (the reap order). */
function wholeScopeVictims<S>(snapshot: Snapshot, c: Choice<S>, ctx: PolicyContext): Victim[] {
  const { candidates } = screen({ ...snapshot, processes: c.scope.members }, ctx, { sizeKiB: totalSizeKiB });
  candidates.sort((a, b) => b.p.rssAnonKiB - a.p.rssAnonKiB || a.p.pid - b.p.pid);
  const n = c.scope.members.length;
  return candidates.map((x) =>
    victimFrom(x.p, x.sizeKiB, c.inner.reason, `Killing ${x.p.name} with adj ${x.p.oomScoreAdj} to free ${x.sizeKiB} KiB: ` +
      `one of the ${n} process${n === 1 ? '' : 'es'} of scope ${c.scope.path}, killed whole (kill_unit = "cgroup")`),
  );
}

function scopedVictims<S>(snapshot: Snapshot, c: Choice<S>, s: ScopeSettings, ctx: PolicyContext): Victim[] {
  const victims = s.killUnit === 'cgroup' ? wholeScopeVictims(snapshot, c, ctx) : c.inner.victims;
  return victims.map((v) => ({ ...v, scope: c.scope.path, scopeKiB: c.scope.sizeKiB, scopeWhy: c.why }));
}

/**
 * The policy's decision with scopes on: the scope stage picks the scope, the policy (or
 * kill_unit "cgroup") picks inside it. Without scopes, exactly policy.decide.
 */
export function decideWithScopes<P, S>(
  policy: Policy<P, S>,
  snapshot: Snapshot,
  state: S,
  params: P,
  ctx: PolicyContext,
  s: ScopeSettings | undefined,
  history: ScopeHistory,
): ScopedDecision<S> {
  if (!scopesOn(s)) return { decision: policy.decide(snapshot, state, params, ctx), history };
  const ranked = rankScopes(snapshot, s, history, ctx.nowMs);
  const next = addSample(history, sampleOf(ranked, ctx.nowMs), s.windowMs);
  const full = policy.decide(snapshot, state, params, ctx);
  const decideIn = decider(policy, snapshot, state, params, ctx);
  const needKiB = neededKiB(full);
  if (full.victims.length === 0) return { decision: { ...full, scopes: report(ranked, undefined, decideIn, needKiB, s) }, history: next };
  const chosen = choose(ranked, decideIn, needKiB, s);
  const scopes = report(ranked, chosen, decideIn, needKiB, s);
  if (!chosen) {
    const summary = `${full.summary}; but no scope may be chosen (every scope with a victim is omitted): nothing killed`;
    return { decision: { ...full, victims: [], summary, scopes }, history: next };
  }
  const victims = scopedVictims(snapshot, chosen, s, ctx);
  const freed = victims.reduce((sum, v) => sum + v.sizeKiB, 0);
  const what = s.killUnit === 'cgroup'
    ? `kill all ${victims.length} of its processes the rules allow, freeing ${formatKiB(freed)}`
    : chosen.inner.summary;
  const summary = `Scope ${chosen.scope.path} (${formatKiB(chosen.scope.sizeKiB)}) chosen: ${chosen.why}; ${what}`;
  return { decision: { ...chosen.inner, victims, summary, scopes }, history: next };
}

/** Only the history update, for samples taken between events (the daemon's scope sampler). */
export function observeScopes(snapshot: Snapshot, s: ScopeSettings | undefined, history: ScopeHistory, nowMs: number): ScopeHistory {
  if (!scopesOn(s)) return history;
  return addSample(history, sampleOf(rankScopes(snapshot, s, history, nowMs), nowMs), s.windowMs);
}
