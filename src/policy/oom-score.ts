// earlyoom's choice, for desktops and servers that set no priorities: act when available
// memory AND free swap are both at or below their thresholds (earlyoom compares with <=;
// no swap configured counts as 0 % free), then kill the process with the highest
// oom_score, the largest RSS breaking ties. One victim per decision.
import { formatKiB } from '../model/units.js';
import { residentKiB, type ProcessInfo, type Snapshot } from '../model/snapshot.js';
import { victimFrom, type Decision, type DecisionReason } from '../model/decision.js';
import { limitedCgroup } from './domain.js';
import { byIdentity, byTier, screen, tierNote, type Candidate } from './screen.js';
import type { Policy, PolicyContext, TriggerReport } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { availableHeadroom, memcgHeadroom } from './headroom.js';

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

export type OomScoreState = Record<string, never>;

/** earlyoom's defaults: -m 10 -s 10. */
export const DEFAULT_MEM_AVAILABLE_PERCENT = 10;
export const DEFAULT_SWAP_FREE_PERCENT = 10;

export interface MemoryLevels {
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
 * /proc/PID/oom_score as the kernel computes it (proc_oom_score, oom_badness), for
 * snapshots that lack it: badness = rss + swap + adj * total / 1000, and
 * oom_score = (1000 + badness * 1000 / total) * 2 / 3, total = RAM + swap (the cgroup's
 * limit in a cgroup domain). Page tables, which the kernel also counts, are not in a
 * snapshot. Range 0..2000; adj -1000 gives 0.
 */
export function estimateOomScore(p: ProcessInfo, totalKiB: number): number {
  if (p.oomScoreAdj <= -1000 || totalKiB <= 0) return 0;
  const badness = residentKiB(p) + p.swapKiB + Math.trunc((p.oomScoreAdj * totalKiB) / 1000);
  return Math.max(0, Math.trunc(((1000 + Math.trunc((badness * 1000) / totalKiB)) * 2) / 3));
}

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

export function explainOomScoreTrigger(view: MemoryView, p: OomScoreParams): TriggerReport {
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

function scoreTotalKiB(snapshot: Snapshot): number {
  const cg = limitedCgroup(snapshot.cgroup);
  return cg ? cg.limitKiB : snapshot.memory.totalKiB + snapshot.memory.swapTotalKiB;
}

export function decideOomScore(
  snapshot: Snapshot,
  state: OomScoreState,
  params: OomScoreParams,
  ctx: PolicyContext,
): Decision<OomScoreState> {
  const { candidates, skipped } = screen(snapshot, ctx, {
    sizeKiB: residentKiB,
    // earlyoom passes over processes with VmRSS 0 (kernel threads, zombies, no mm).
    policySkip: (_p, size) => (size <= 0 ? 'no-memory' : undefined),
  });
  const totalKiB = scoreTotalKiB(snapshot);
  const score = new Map(candidates.map((c) => [c, c.p.oomScore ?? estimateOomScore(c.p, totalKiB)]));
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
  describeParams: (p) => `available memory <= ${p.memAvailablePercent} % ${p.swapCombine === 'or' ? 'or' : 'and'} free swap <= ${p.swapFreePercent} %`,
  explainTrigger: explainOomScoreTrigger,
};
