// earlyoom's choice, for desktops and servers that set no priorities: act when available
// memory AND free swap are both at or below their thresholds (earlyoom compares with <=;
// no swap configured counts as 0 % free), then kill the process with the highest
// oom_score, the largest RSS breaking ties. One victim per decision.
import { formatKiB } from '../model/units.js';
import { residentKiB, type MemoryState, type ProcessInfo, type Snapshot } from '../model/snapshot.js';
import { victimFrom, type Decision, type DecisionReason } from '../model/decision.js';
import { limitedCgroup } from './domain.js';
import { byIdentity, byTier, screen, tierNote, type Candidate } from './screen.js';
import type { Policy, PolicyContext, TriggerReport } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { availableHeadroom, memcgHeadroom } from './headroom.js';
import { kernelOomScore, SCORE_LAG_POINTS } from './oom-badness.js';
import { NO_SIZES, usedAmong, type SizesUsed } from './sizes-used.js';

export interface OomScoreParams {
  /** Act when MemAvailable is at or below this percentage of MemTotal. */
  memAvailablePercent: number;
  /** ... and free swap at or below this percentage of SwapTotal. */
  swapFreePercent: number;
  /**
   * "and" (earlyoom's kill rule, the default): memory AND swap low. "or": memory OR swap
   * low — with large swap (zram) memory may thrash long before swap runs out, and with
   * swap nearly full the next spike is fatal. With "or", no swap configured never counts
   * as low swap (else it would always act).
   */
  swapCombine?: 'and' | 'or';
}

type OomScoreState = Record<string, never>;

/** earlyoom's defaults: -m 10 -s 10. */
const DEFAULT_MEM_AVAILABLE_PERCENT = 10;
const DEFAULT_SWAP_FREE_PERCENT = 10;

interface MemoryLevels {
  totalKiB: number;
  availableKiB: number;
  availablePercent: number;
  swapTotalKiB: number;
  swapFreeKiB: number;
  /** 0 when no swap is configured (earlyoom: nothing to fall back on). */
  swapFreePercent: number;
  /** Where the numbers came from ("machine" or the cgroup path). */
  domain: string;
}

/**
 * The machine: MemAvailable / MemTotal. A cgroup with a limit: available = the headroom
 * (limit - usage) plus the group's page cache, which reclaim can drop, capped at the limit.
 * Swap: the machine's; in a cgroup2 group with memory.swap.max, the group's own share of
 * it (total = memory.swap.max capped at SwapTotal, free = total − memory.swap.current,
 * capped at SwapFree) — a group whose swap share is full is out of swap even while the
 * machine's zram is empty.
 */
export function memoryLevels(view: MemoryView): MemoryLevels {
  const m = view.memory;
  const cg = limitedCgroup(view.cgroup);
  const totalKiB = cg ? cg.limitKiB : m.totalKiB;
  const availableKiB = cg ? Math.min(cg.limitKiB, Math.max(0, cg.limitKiB - cg.usageKiB) + (cg.fileKiB ?? 0)) : m.availableKiB;
  const { swapTotalKiB, swapFreeKiB } = swapOf(view);
  return {
    totalKiB,
    availableKiB,
    availablePercent: totalKiB > 0 ? (availableKiB * 100) / totalKiB : 0,
    swapTotalKiB,
    swapFreeKiB,
    swapFreePercent: swapTotalKiB > 0 ? (swapFreeKiB * 100) / swapTotalKiB : 0,
    domain: cg ? cg.path : 'machine',
  };
}

function swapOf(view: MemoryView): { swapTotalKiB: number; swapFreeKiB: number } {
  const m = view.memory;
  const cg = limitedCgroup(view.cgroup);
  if (cg === undefined || typeof cg.swapLimitKiB !== 'number') return { swapTotalKiB: m.swapTotalKiB, swapFreeKiB: m.swapFreeKiB };
  const total = Math.min(cg.swapLimitKiB, m.swapTotalKiB);
  return { swapTotalKiB: total, swapFreeKiB: Math.max(0, Math.min(total - (cg.swapKiB ?? 0), m.swapFreeKiB)) };
}
const memLow = (l: MemoryLevels, p: OomScoreParams): boolean => l.availablePercent <= p.memAvailablePercent;
const swapLow = (l: MemoryLevels, p: OomScoreParams): boolean => l.swapFreePercent <= p.swapFreePercent;

export function thresholdsMet(levels: MemoryLevels, params: OomScoreParams): boolean {
  if (params.swapCombine === 'or') return memLow(levels, params) || (levels.swapTotalKiB > 0 && swapLow(levels, params));
  return memLow(levels, params) && swapLow(levels, params);
}

/** low-swap when swap is (also) what ran out; low-memory when memory alone did. */
function reasonOf(levels: MemoryLevels, params: OomScoreParams): DecisionReason {
  return levels.swapTotalKiB > 0 && swapLow(levels, params) ? 'low-swap' : 'low-memory';
}

/**
 * /proc/PID/oom_score as the kernel computes it (oom-badness.ts), for processes whose
 * snapshot lacks it: the daemon's scans leave it out (it costs a read per process at every
 * event) and read the kernel's own only for the processes that could win (scoresUsed).
 * The totals are the machine's RAM + swap in every domain, as /proc/PID/oom_score's are.
 * Range 0..2000; adj -1000 gives 0.
 */
export function estimateOomScore(p: ProcessInfo, memory: Pick<MemoryState, 'totalKiB' | 'swapTotalKiB' | 'vmstat'>): number {
  return kernelOomScore(
    { residentKiB: residentKiB(p), swapKiB: p.swapKiB, pageTablesKiB: p.pageTablesKiB ?? 0, oomScoreAdj: p.oomScoreAdj },
    memory.totalKiB + memory.swapTotalKiB,
    memory.vmstat?.pageSizeKiB ?? DEFAULT_PAGE_KIB,
  );
}

/** Where a snapshot does not say (no vmstat): the page size of x86 and most arm64 kernels. */
const DEFAULT_PAGE_KIB = 4;

function pct(x: number): string {
  return `${x.toFixed(1)} %`;
}

function triggerLines(l: MemoryLevels, p: OomScoreParams): string[] {
  return [
    `available ${formatKiB(l.availableKiB)} of ${formatKiB(l.totalKiB)} = ${pct(l.availablePercent)} ` +
      `(threshold ${pct(p.memAvailablePercent)}${l.domain === 'machine' ? '' : `, cgroup ${l.domain}`})`,
    l.swapTotalKiB > 0
      ? `swap free ${formatKiB(l.swapFreeKiB)} of ${formatKiB(l.swapTotalKiB)} = ${pct(l.swapFreePercent)} (threshold ${pct(p.swapFreePercent)})`
      : p.swapCombine === 'or'
        ? 'no swap configured: only memory counts (swap_combine "or")'
        : `no swap configured: counts as 0 % free (threshold ${pct(p.swapFreePercent)})`,
  ];
}

function explainOomScoreTrigger(view: MemoryView, p: OomScoreParams): TriggerReport {
  const l = memoryLevels(view);
  const active = thresholdsMet(l, p);
  return {
    active,
    lines: [...triggerLines(l, p), p.swapCombine === 'or'
      ? (active ? 'memory or swap at or below its threshold: act' : 'neither at or below its threshold: nothing to do')
      : (active ? 'both at or below their thresholds: act' : 'not both at or below their thresholds: nothing to do')],
    values: {
      availableKiB: l.availableKiB,
      totalKiB: l.totalKiB,
      availablePercent: Number(l.availablePercent.toFixed(2)),
      swapTotalKiB: l.swapTotalKiB,
      swapFreePercent: Number(l.swapFreePercent.toFixed(2)),
    },
  };
}

/** Each candidate's oom_score: the kernel's where the snapshot has it, else worked out. */
function scoresOf(snapshot: Snapshot, candidates: readonly Candidate[]): Map<Candidate, number> {
  return new Map(candidates.map((c) => [c, c.p.oomScore ?? estimateOomScore(c.p, snapshot.memory)]));
}

function screenOomScore(snapshot: Snapshot, ctx: PolicyContext): ReturnType<typeof screen> {
  return screen(snapshot, ctx, {
    sizeKiB: residentKiB,
    // earlyoom passes over processes with VmRSS 0 (kernel threads, zombies, no mm).
    policySkip: (_p, size) => (size <= 0 ? 'no-memory' : undefined),
  });
}

/**
 * The processes whose oom_score the source should read from the kernel before this
 * decision stands (Policy.scoresUsed): every candidate of the victim's tier whose worked-out
 * score comes within SCORE_LAG_POINTS of the victim's. Once each of them carries the
 * kernel's value, every other candidate's worked-out score is more than the lag below the
 * victim's, so its kernel value is below it too: the victim is the one the kernel's values
 * would give.
 */
function oomScoresUsed(snapshot: Snapshot, decision: Decision<OomScoreState>, ctx: PolicyContext): SizesUsed {
  const victim = decision.victims[0];
  if (victim === undefined) return NO_SIZES;
  const { candidates } = screenOomScore(snapshot, ctx);
  const chosen = candidates.find((c) => c.p.pid === victim.pid);
  if (chosen === undefined) return NO_SIZES;
  const score = scoresOf(snapshot, candidates);
  const floor = (score.get(chosen) ?? 0) - SCORE_LAG_POINTS;
  return usedAmong(candidates.filter((c) => c.p.oomScore === undefined && !byTier(c, chosen) && (score.get(c) ?? 0) >= floor).map((c) => c.p));
}

export function decideOomScore(
  snapshot: Snapshot,
  state: OomScoreState,
  params: OomScoreParams,
  ctx: PolicyContext,
): Decision<OomScoreState> {
  const { candidates, skipped } = screenOomScore(snapshot, ctx);
  const score = scoresOf(snapshot, candidates);
  const s = (c: Candidate): number => score.get(c) ?? 0;
  const ranked = [...candidates].sort((a, b) => byTier(a, b) || s(b) - s(a) || b.sizeKiB - a.sizeKiB || byIdentity(a, b));
  const levels = memoryLevels(snapshot);
  const act = thresholdsMet(levels, params);
  const chosen = act ? ranked[0] : undefined;
  const list = ranked.map((c, i) => ({
    pid: c.p.pid,
    name: c.p.name,
    oomScoreAdj: c.p.oomScoreAdj,
    sizeKiB: c.sizeKiB,
    rank: i + 1,
    score: s(c),
    note:
      (c === chosen ? 'victim' : act ? 'lower oom_score (or equal and smaller RSS)' : 'memory is not low') +
      (c.p.oomScore === undefined ? ', oom_score estimated' : '') +
      tierNote(c.tier),
  }));
  const lines = triggerLines(levels, params).join('; ');
  const base = { policy: 'oom-score' as const, candidates: list, skipped, state };
  if (!act) return { ...base, victims: [], reason: 'none', summary: `Memory is not low: ${lines}` };
  if (!chosen) return { ...base, victims: [], reason: 'none', summary: `No process available to kill; ${lines}` };
  const reason = reasonOf(levels, params);
  const why =
    `Sending SIGKILL to process ${chosen.p.pid} "${chosen.p.name}": oom_score ${s(chosen)}` +
    `${chosen.p.oomScore === undefined ? ' (estimated)' : ''}, VmRSS ${formatKiB(chosen.sizeKiB)}${tierNote(chosen.tier)}; ${lines}`;
  return { ...base, victims: [victimFrom(chosen.p, chosen.sizeKiB, reason, why)], reason, summary: why };
}

export const oomScore: Policy<OomScoreParams, OomScoreState> = {
  name: 'oom-score',
  trigger: 'threshold',
  readsOomScore: true,
  takesTableLevels: false,
  servesLmkdClients: false,
  headroom: (view, p) => {
    const limitKiB = view.cgroup?.limitKiB ?? null;
    if (limitKiB !== null) return memcgHeadroom(view, (limitKiB * p.memAvailablePercent) / 100);
    return availableHeadroom(view.memory, p.memAvailablePercent, p.swapFreePercent);
  },
  // Enough to lift available memory above mem_available % of the total.
  neededKiB: (view, p) => {
    const l = memoryLevels(view);
    return Math.max(0, Math.floor((p.memAvailablePercent * l.totalKiB) / 100) - l.availableKiB + 1);
  },
  defaultParams: () => ({
    memAvailablePercent: DEFAULT_MEM_AVAILABLE_PERCENT,
    swapFreePercent: DEFAULT_SWAP_FREE_PERCENT,
  }),
  initialState: () => ({}),
  needsAction: (view: MemoryView, p: OomScoreParams) => thresholdsMet(memoryLevels(view), p),
  decide: decideOomScore,
  scoresUsed: (snapshot, decision, _params, ctx) => oomScoresUsed(snapshot, decision, ctx),
  describeParams: (p) => `available memory <= ${p.memAvailablePercent} % ${p.swapCombine === 'or' ? 'or' : 'and'} free swap <= ${p.swapFreePercent} %`,
  explainTrigger: explainOomScoreTrigger,
};
