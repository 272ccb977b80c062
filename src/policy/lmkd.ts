// Android's lmkd daemon loop (seed 002: mp_event, find_and_kill_process), as a pure function.
// On a pressure event: do nothing within KILL_TIMEOUT of the last kill; otherwise kill the
// best victim for the level that applies, add its size to other_free and other_file
// ("other_free += killed_size; other_file += killed_size"), and repeat until no level
// applies — so one decision may hold several victims, in kill order.
import { formatKiB } from '../model/units.js';
import { residentKiB, type Snapshot } from '../model/snapshot.js';
import { victimFrom, type Decision, type Victim } from '../model/decision.js';
import { byIdentity, byTier, screen, tierNote, type Candidate } from './screen.js';
import { applyingLevel, DEFAULT_LEVELS, describeLevels, lmkdFreeFile, type Level } from './table.js';
import { levelWhy, noLevelSummary, tableCandidates, tableTriggerReport } from './lowmemorykiller.js';
import { NO_SIZES, noteSizesUsed, sizesUsedBy, usedAmong } from './sizes-used.js';
import type { Policy, PolicyContext, PsiWant, RegistryEntry } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { availableHeadroom, minfreeDomainHeadroom, tableNeededKiB } from './headroom.js';
import { decideLmkdPsi } from './lmkd-psi.js';
import { availableExhausted, type LmkdPsiState } from './lmkd-psi-assess.js';
import { describePsiParams, LMKD_PSI_DEFAULTS, LMKD_PSI_POLL_MS, LMKD_PSI_WINDOW_MS, type LmkdPsiParams } from './lmkd-psi-params.js';

/** heaviest: the largest resident size at the adj (ro.lmk.kill_heaviest_task);
 * lru: the least recently registered at the adj (proc_adj_lru, the seed's choice). */
export type LmkdPick = 'heaviest' | 'lru';
export const LMKD_PICKS: readonly LmkdPick[] = ['heaviest', 'lru'];

/** table: the minfree/adj table loop (seed 002; lmkd's use_minfree_levels), for table clients.
 * psi: lmkd's modern strategy (mp_event_psi): PSI events, watermarks, swap, thrashing. */
export type LmkdMode = 'table' | 'psi';
export const LMKD_MODES: readonly LmkdMode[] = ['table', 'psi'];

export interface LmkdParams {
  mode: LmkdMode;
  /** The PSI strategy's properties (mode "psi"). */
  psi: LmkdPsiParams;
  levels: Level[];
  /** No kill within this long of the last one, ms. */
  killTimeoutMs: number;
  pick: LmkdPick;
}

export interface LmkdState {
  /** ctx.nowMs of the last decision that killed. */
  lastKillMs?: number;
  /** What the PSI strategy carries between events (mode "psi"). */
  psi?: LmkdPsiState;
}

/** Modern lmkd's ro.lmk.kill_timeout_ms; the seed's KILL_TIMEOUT was 2 s of time(). */
const DEFAULT_KILL_TIMEOUT_MS = 100;

/**
 * The registry as this domain sees it: lmkd kills only registered processes once any is
 * registered, but that rule holds per domain. A domain none of whose processes is
 * registered behaves as if nothing were (one LMK_PROCPRIO for a process elsewhere once
 * disarmed an lmkd memcg domain: every process "not-registered", the hog left at the limit).
 */
function registryOf(ctx: PolicyContext, snapshot: Snapshot): { map: ReadonlyMap<number, RegistryEntry>; members: number } | undefined {
  const map = ctx.registry;
  if (!map || map.size === 0) return undefined;
  let members = 0;
  for (const p of snapshot.processes) if (map.has(p.pid)) members++;
  return members > 0 ? { map, members } : undefined;
}

/** The order lmkd walks: highest adj first, then the pick, then pid. */
function lmkdOrder(pick: LmkdPick, registry: ReadonlyMap<number, RegistryEntry> | undefined) {
  // Without a registry there is no registration time; the oldest process stands in for it.
  const age = (c: Candidate): number => registry?.get(c.p.pid)?.registeredAtMs ?? c.p.startTime;
  return (a: Candidate, b: Candidate): number =>
    byTier(a, b) ||
    b.p.oomScoreAdj - a.p.oomScoreAdj ||
    (pick === 'heaviest' ? b.sizeKiB - a.sizeKiB : age(a) - age(b)) ||
    byIdentity(a, b);
}

interface Kill {
  c: Candidate;
  why: string;
  /** The adj of the level that applied for this kill. */
  levelAdj: number;
}

/** The do { ... } while (killed_size > 0) loop over estimated free and file memory. */
function killLoop(ranked: readonly Candidate[], params: LmkdParams, freeKiB: number, fileKiB: number, lines: string[]): Kill[] {
  const pool = [...ranked];
  const kills: Kill[] = [];
  let free = freeKiB;
  let file = fileKiB;
  for (;;) {
    const applied = applyingLevel(params.levels, free, file);
    if (!applied) break;
    const at = pool.findIndex((c) => c.p.oomScoreAdj >= applied.level.adj);
    if (at < 0) break;
    const [c] = pool.splice(at, 1) as [Candidate];
    const how = params.pick === 'heaviest' ? 'heaviest' : 'least recently registered';
    const why =
      `Killing '${c.p.name}' (${c.p.pid}), adj ${c.p.oomScoreAdj}, to free ${c.sizeKiB} KiB: kill ${kills.length + 1}, ` +
      `${how} at the highest adj >= ${applied.level.adj}${tierNote(c.tier)}; ` +
      levelWhy(applied, { otherFreeKiB: free, otherFileKiB: file, lines }, kills.length > 0);
    kills.push({ c, why, levelAdj: applied.level.adj });
    free += c.sizeKiB;
    file += c.sizeKiB;
  }
  return kills;
}

export function decideLmkd(snapshot: Snapshot, state: LmkdState, params: LmkdParams, ctx: PolicyContext): Decision<LmkdState> {
  if (params.mode === 'psi') return decideLmkdPsi(snapshot, state, params, ctx);
  const ff = lmkdFreeFile(snapshot);
  const applied = applyingLevel(params.levels, ff.otherFreeKiB, ff.otherFileKiB);
  const reg = registryOf(ctx, snapshot);
  const registry = reg?.map;
  const { candidates, skipped } = screen(snapshot, ctx, {
    sizeKiB: residentKiB,
    policySkip: (p, size) =>
      registry && !registry.has(p.pid)
        ? 'not-registered'
        : applied && p.oomScoreAdj < applied.level.adj
          ? 'adj-below-min'
          : size <= 0
            ? 'no-memory'
            : undefined,
  });
  const ranked = [...candidates].sort(lmkdOrder(params.pick, registry));
  const base = { policy: 'lmkd' as const, skipped, state };
  const sinceKill = state.lastKillMs === undefined ? undefined : ctx.nowMs - state.lastKillMs;
  if (sinceKill !== undefined && sinceKill < params.killTimeoutMs) {
    const summary = `Kill timeout: the last kill was ${sinceKill} ms ago (< ${params.killTimeoutMs} ms); event ignored`;
    return noteSizesUsed({ ...base, victims: [], candidates: tableCandidates(ranked, () => 'kill timeout'), reason: 'none', summary }, () => NO_SIZES);
  }
  if (!applied) {
    const list = tableCandidates(ranked, () => 'no level applies');
    return noteSizesUsed({ ...base, victims: [], candidates: list, reason: 'none', summary: noLevelSummary(params.levels, ff) }, () => NO_SIZES);
  }
  const kills = killLoop(ranked, params, ff.otherFreeKiB, ff.otherFileKiB, ff.lines);
  const order = new Map(kills.map((k, i) => [k.c, i + 1]));
  const list = tableCandidates(ranked, (c) => {
    const n = order.get(c);
    return n !== undefined ? `victim ${n}${tierNote(c.tier)}` : 'not needed: no level applied after the kills';
  });
  const victims: Victim[] = kills.map((k) => ({ ...victimFrom(k.c.p, k.c.sizeKiB, 'level', k.why), levelAdj: k.levelAdj }));
  const freedKiB = kills.reduce((sum, k) => sum + k.c.sizeKiB, 0);
  const registryNote = reg ? ` among ${reg.members} registered processes` : '';
  const summary =
    victims.length > 0
      ? `Kill ${victims.length} (${formatKiB(freedKiB)})${registryNote} until no level applies; first: ${kills[0]?.why}`
      : `No process at adj >= ${applied.level.adj} to kill${registryNote}; ${levelWhy(applied, ff)}`;
  const decision: Decision<LmkdState> = {
    ...base,
    victims,
    candidates: list,
    reason: victims.length > 0 ? 'level' : 'none',
    summary,
    targetKiB: applied.level.minfreeKiB,
    state: victims.length > 0 ? { lastKillMs: ctx.nowMs } : state,
  };
  // Each kill looked at sizes within its victim's slot (tier and adj) only — to pick the
  // heaviest there, and the victim's own to see whether a level still applies.
  return noteSizesUsed(decision, () =>
    usedAmong(ranked.filter((c) => kills.some((k) => !byTier(c, k.c) && c.p.oomScoreAdj === k.c.p.oomScoreAdj)).map((c) => c.p)));
}

/** lmkd's two PSI monitors: medium on "some" psi_partial_stall_ms, critical on "full" psi_complete_stall_ms, per 1 s. */
function lmkdPsiTriggers(p: LmkdParams): PsiWant[] | undefined {
  if (p.mode !== 'psi') return undefined;
  return [
    { psiKind: 'some', stallMs: p.psi.psiPartialStallMs, windowMs: LMKD_PSI_WINDOW_MS, level: 'medium' },
    { psiKind: 'full', stallMs: p.psi.psiCompleteStallMs, windowMs: LMKD_PSI_WINDOW_MS, level: 'critical' },
  ];
}

/**
 * PSI mode acts on its PSI events; between them only reapd's backstop can call for action
 * (available_low_percentage: the domain's poll and the engine's check before a polled decision).
 */
function psiNeedsAction(view: MemoryView, p: LmkdParams): boolean {
  return availableExhausted(view.memory, p.psi);
}

/** PSI mode with the backstop on polls MemAvailable against it; otherwise the table paces nothing that acts. */
function lmkdHeadroom(view: MemoryView, p: LmkdParams) {
  if (p.mode === 'psi' && p.psi.availableLowPct > 0) return availableHeadroom(view.memory, p.psi.availableLowPct, p.psi.swapFreeLowPct);
  return minfreeDomainHeadroom(view, p.levels.map((l) => l.minfreeKiB));
}

/**
 * What a PSI-mode kill had to free: enough to lift free memory to the low watermark, below
 * which lmkd's memory reasons hold (its thrashing reasons name no amount). 0 without watermarks.
 */
function psiNeededKiB(view: MemoryView): number {
  const m = view.memory;
  return m.watermarks ? Math.max(0, m.watermarks.lowKiB - (m.freeKiB - (m.cmaFreeKiB ?? 0))) : 0;
}

export const lmkd: Policy<LmkdParams, LmkdState> = {
  name: 'lmkd',
  trigger: 'threshold',
  readsOomScore: false,
  // psi mode's stall_limit_critical; one read of ~10 µs per event, whatever the mode, so
  // that a reload changing the mode or the limit needs no new source.
  readsStallAverage: true,
  takesTableLevels: true,
  servesLmkdClients: true,
  headroom: lmkdHeadroom,
  neededKiB: (view, p) => (p.mode === 'psi' ? psiNeededKiB(view) : tableNeededKiB(p.levels, lmkdFreeFile(view))),
  triggerFor: (p) => (p.mode === 'psi' ? 'pressure' : 'threshold'),
  psiTriggers: lmkdPsiTriggers,
  pollsBetweenEvents: (p) => p.mode === 'psi' && p.psi.availableLowPct > 0,
  pollsAfterEvent: (p) => (p.mode === 'psi' ? { windowMs: LMKD_PSI_WINDOW_MS, intervalMs: LMKD_PSI_POLL_MS } : undefined),
  defaultParams: () => ({
    mode: 'table',
    psi: { ...LMKD_PSI_DEFAULTS },
    levels: DEFAULT_LEVELS.map((l) => ({ ...l })),
    killTimeoutMs: DEFAULT_KILL_TIMEOUT_MS,
    pick: 'heaviest',
  }),
  initialState: () => ({}),
  needsAction: (view: MemoryView, p: LmkdParams) => {
    if (p.mode === 'psi') return psiNeedsAction(view, p);
    const ff = lmkdFreeFile(view);
    return applyingLevel(p.levels, ff.otherFreeKiB, ff.otherFileKiB) !== undefined;
  },
  decide: decideLmkd,
  sizesUsed: (_snapshot, decision) => sizesUsedBy(decision),
  describeParams: (p) =>
    p.mode === 'psi'
      ? `mode psi (lmkd's PSI strategy): ${describePsiParams(p.psi)}, kill timeout ${p.killTimeoutMs} ms, pick ${p.pick}`
      : `levels ${describeLevels(p.levels)}, kill timeout ${p.killTimeoutMs} ms, pick ${p.pick}`,
  explainTrigger: (view: MemoryView, p: LmkdParams) => tableTriggerReport(p.levels, lmkdFreeFile(view)),
};
