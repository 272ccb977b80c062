// lmkd's PSI strategy, the "whom" half (find_and_kill_process): when assessPsi names a
// reason, walk adj from 1000 down to the reason's minimum; in each adj slot take the
// heaviest (kill_heaviest_task, and always at or below the perceptible adj, to kill as few
// visible processes as possible) or the least recently registered; kill one, then wait for
// the next event. Sizes count swapped-out pages at what they cost (zram: the compression
// ratio from mm_stat), so a leak that went to zram still weighs what it holds.
import { formatKiB } from '../model/units.js';
import { residentAndSwapKiB, swapCostRatio, type Snapshot } from '../model/snapshot.js';
import { victimFrom, type Decision } from '../model/decision.js';
import { byIdentity, byTier, screen, tierNote, type Candidate } from './screen.js';
import { tableCandidates } from './lowmemorykiller.js';
import { NO_SIZES, noteSizesUsed, usedAmong } from './sizes-used.js';
import { assessPolled, assessPsi, initialPsiState, stateAfterKill, type LmkdPsiState, type PsiAssessment } from './lmkd-psi-assess.js';
import type { LmkdPsiParams } from './lmkd-psi-params.js';
import type { PolicyContext, RegistryEntry } from './types.js';

interface PsiDecideParams {
  psi: LmkdPsiParams;
  killTimeoutMs: number;
  pick: 'heaviest' | 'lru';
}

interface PsiDecideState {
  lastKillMs?: number;
  psi?: LmkdPsiState;
}

/** Highest adj first; in a slot the heaviest (kill_heaviest_task or adj <= perceptible) or the oldest registration. */
function psiOrder(p: PsiDecideParams, registry: ReadonlyMap<number, RegistryEntry> | undefined) {
  const age = (c: Candidate): number => registry?.get(c.p.pid)?.registeredAtMs ?? c.p.startTime;
  return (a: Candidate, b: Candidate): number => {
    const slot = byTier(a, b) || b.p.oomScoreAdj - a.p.oomScoreAdj;
    if (slot) return slot;
    const heaviest = p.pick === 'heaviest' || a.p.oomScoreAdj <= p.psi.perceptibleAdj;
    return (heaviest ? b.sizeKiB - a.sizeKiB : age(a) - age(b)) || byIdentity(a, b);
  };
}

/** critical: the event that woke the engine was lmkd's critical level (PSI full). */
function isCriticalEvent(ctx: PolicyContext): boolean {
  return ctx.eventLevel === 'critical';
}

export function decideLmkdPsi(snapshot: Snapshot, state: PsiDecideState, params: PsiDecideParams, ctx: PolicyContext): Decision<PsiDecideState> {
  const psiState = state.psi ?? initialPsiState(params.psi);
  const registry = ctx.registry && ctx.registry.size > 0 ? ctx.registry : undefined;
  const sinceKill = state.lastKillMs === undefined ? undefined : ctx.nowMs - state.lastKillMs;
  const ratio = swapCostRatio(snapshot.memory);
  // While the last victim may still be dying lmkd skips the event and changes nothing.
  const waiting = sinceKill !== undefined && sinceKill < params.killTimeoutMs;
  // A poll (available_low_percentage) woke the engine between PSI events: only the backstop can hold.
  // lmkd's own polls in the window after an event (level "psi-poll") run the whole table, never critical.
  const assess = (): PsiAssessment => (ctx.eventLevel === 'poll'
    ? assessPolled(snapshot.memory, psiState, params.psi)
    : assessPsi(snapshot.memory, psiState, params.psi, ctx.nowMs, isCriticalEvent(ctx)));
  const a: PsiAssessment | undefined = waiting ? undefined : assess();
  const minAdj = a?.minScoreAdj ?? 0;
  const { candidates, skipped } = screen(snapshot, ctx, {
    sizeKiB: (p) => residentAndSwapKiB(p, ratio),
    policySkip: (p, size) =>
      registry && !registry.has(p.pid) ? 'not-registered' : p.oomScoreAdj < minAdj ? 'adj-below-min' : size <= 0 ? 'no-memory' : undefined,
  });
  const ranked = [...candidates].sort(psiOrder(params, registry));
  const base = { policy: 'lmkd' as const, skipped };
  if (!a) {
    const summary = `Kill timeout: the last kill was ${sinceKill} ms ago (< ${params.killTimeoutMs} ms); event skipped`;
    return noteSizesUsed({ ...base, victims: [], candidates: tableCandidates(ranked, () => 'kill timeout'), reason: 'none', summary, state }, () => NO_SIZES);
  }
  const facts = a.lines.join('; ');
  if (a.reason === 'none') {
    const summary = `No kill reason (lmkd PSI strategy): ${a.why}; ${facts}`;
    return noteSizesUsed({ ...base, victims: [], candidates: tableCandidates(ranked, () => 'no kill reason'), reason: 'none', summary, state: { ...state, psi: a.next } }, () => NO_SIZES);
  }
  const first = ranked[0];
  if (!first) {
    // Nothing at or above the reason's adj: lmkd keeps its counters and tries again at the next event.
    const summary = `${a.why}, but no process at adj >= ${minAdj} to kill; ${facts}`;
    return noteSizesUsed({ ...base, victims: [], candidates: [], reason: 'none', summary, state: { ...state, psi: a.next } }, () => NO_SIZES);
  }
  const how = params.pick === 'heaviest' || first.p.oomScoreAdj <= params.psi.perceptibleAdj ? 'heaviest' : 'least recently registered';
  const swapNote = first.p.swapKiB > 0 ? ` (${formatKiB(first.p.swapKiB)} of it in swap, counted at ${Math.round(ratio * 100)} %)` : '';
  const why =
    `Killing '${first.p.name}' (${first.p.pid}), adj ${first.p.oomScoreAdj}, to free ${formatKiB(first.sizeKiB)}${swapNote}: ` +
    `${a.why}; ${how} at the highest adj >= ${minAdj}${tierNote(first.tier)}`;
  const list = tableCandidates(ranked, (c) => (c === first ? `victim: ${a.reason}${tierNote(c.tier)}` : 'not needed: lmkd kills one per event'));
  const decision: Decision<PsiDecideState> = {
    ...base,
    victims: [victimFrom(first.p, first.sizeKiB, a.reason, why)],
    candidates: list,
    reason: a.reason,
    summary: `${why}; ${facts}`,
    state: { lastKillMs: ctx.nowMs, psi: stateAfterKill(a, params.psi) },
  };
  // The pick looked at sizes in the victim's slot (tier and adj) only.
  return noteSizesUsed(decision, () => usedAmong(ranked.filter((c) => !byTier(c, first) && c.p.oomScoreAdj === first.p.oomScoreAdj).map((c) => c.p)));
}
