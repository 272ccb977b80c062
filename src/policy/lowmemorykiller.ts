// Android's in-kernel lowmemorykiller (seed 002: lowmem_scan), as a pure function.
// The first level whose minfree both other_free and other_file are below sets min_adj;
// the victim is the process with the highest adj >= min_adj and, within that adj, the
// largest resident size ("tasksize <= selected_tasksize" keeps the earlier one). One victim
// per scan, and none while the previous victim is still dying (death pending).
import { formatKiB } from '../model/units.js';
import { residentKiB, type Snapshot } from '../model/snapshot.js';
import { victimFrom, type Decision, type RankedCandidate } from '../model/decision.js';
import { byIdentity, byTier, screen, tierNote, type Candidate } from './screen.js';
import {
  applyingLevel, DEFAULT_LEVELS, describeLevels, levelReports, lowmemFreeFile,
  type AppliedLevel, type FreeFile, type Level,
} from './table.js';
import { NO_SIZES, noteSizesUsed, sizesUsedBy, usedAmong } from './sizes-used.js';
import type { Policy, PolicyContext, TriggerReport } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { minfreeDomainHeadroom, tableNeededKiB } from './headroom.js';

export interface LowmemorykillerParams {
  levels: Level[];
  /** lowmem_deathpending_timeout = jiffies + HZ: 1000 ms. */
  deathPendingMs: number;
}

/** The last victim, until it is gone or its death-pending time is over. */
interface PendingVictim {
  pid: number;
  startTime: number;
  name: string;
  killedAtMs: number;
}

export interface LowmemorykillerState {
  pending?: PendingVictim;
}

const DEFAULT_DEATH_PENDING_MS = 1000;

/** Highest adj first, then the largest resident size, then the lower pid (the kernel walks
 * the task list oldest first and replaces its choice only for a strictly larger size). */
function byAdjThenSize(a: Candidate, b: Candidate): number {
  return byTier(a, b) || b.p.oomScoreAdj - a.p.oomScoreAdj || b.sizeKiB - a.sizeKiB || byIdentity(a, b);
}

/**
 * Whether the last victim still holds things up: present with the same identity and
 * not yet a zombie (the kernel tests task_lmk_waiting only on tasks that still have an
 * mm), and at most deathPendingMs since its kill ("time_before_eq(jiffies, timeout)").
 */
function deathPending(
  snapshot: Snapshot,
  pending: PendingVictim | undefined,
  nowMs: number,
  deathPendingMs: number,
): boolean {
  if (!pending || nowMs - pending.killedAtMs > deathPendingMs) return false;
  return snapshot.processes.some(
    (p) => p.pid === pending.pid && p.startTime === pending.startTime && !['Z', 'X', 'x'].includes(p.state),
  );
}

export function tableCandidates(
  ranked: readonly Candidate[],
  noteFor: (c: Candidate, index: number) => string,
): RankedCandidate[] {
  return ranked.map((c, i) => ({
    pid: c.p.pid,
    name: c.p.name,
    oomScoreAdj: c.p.oomScoreAdj,
    sizeKiB: c.sizeKiB,
    rank: i + 1,
    score: c.p.oomScoreAdj,
    note: noteFor(c, i),
  }));
}

/** The kernel's log line, in words: "cache X is below limit Y for oom_score_adj Z". */
export function levelWhy(applied: AppliedLevel, ff: FreeFile, estimated = false): string {
  const est = estimated ? '~' : '';
  return (
    `level ${applied.index + 1} applies: cache ${est}${formatKiB(ff.otherFileKiB)} and free ${est}${formatKiB(ff.otherFreeKiB)}` +
    ` above reserved are both below limit ${formatKiB(applied.level.minfreeKiB)} for oom_score_adj ${applied.level.adj}`
  );
}

export function noLevelSummary(levels: readonly Level[], ff: FreeFile): string {
  return `No level applies: other_free ${formatKiB(ff.otherFreeKiB)}, other_file ${formatKiB(ff.otherFileKiB)}; table ${describeLevels(levels)}`;
}

export function decideLowmemorykiller(
  snapshot: Snapshot,
  state: LowmemorykillerState,
  params: LowmemorykillerParams,
  ctx: PolicyContext,
): Decision<LowmemorykillerState> {
  const ff = lowmemFreeFile(snapshot);
  const applied = applyingLevel(params.levels, ff.otherFreeKiB, ff.otherFileKiB);
  const { candidates, skipped } = screen(snapshot, ctx, {
    sizeKiB: residentKiB,
    policySkip: (p, size) =>
      applied && p.oomScoreAdj < applied.level.adj ? 'adj-below-min' : size <= 0 ? 'no-memory' : undefined,
  });
  const ranked = [...candidates].sort(byAdjThenSize);
  const base = { policy: 'lowmemorykiller' as const, skipped, state };
  if (!applied) {
    const list = tableCandidates(ranked, () => 'no level applies');
    return noteSizesUsed({ ...base, victims: [], candidates: list, reason: 'none', summary: noLevelSummary(params.levels, ff) }, () => NO_SIZES);
  }
  const targetKiB = applied.level.minfreeKiB;
  if (deathPending(snapshot, state.pending, ctx.nowMs, params.deathPendingMs)) {
    const pend = state.pending as PendingVictim;
    const list = tableCandidates(ranked, () => 'death pending: no kill this scan');
    const summary =
      `Death pending: ${pend.name} (${pend.pid}) was killed ${ctx.nowMs - pend.killedAtMs} ms ago and is still ` +
      `present (hold-off ${params.deathPendingMs} ms); ${levelWhy(applied, ff)}`;
    return noteSizesUsed({ ...base, victims: [], candidates: list, reason: 'none', summary, targetKiB }, () => NO_SIZES);
  }
  const chosen = ranked[0];
  if (!chosen) {
    const list = tableCandidates(ranked, () => '');
    const summary = `No process at adj >= ${applied.level.adj} to kill; ${levelWhy(applied, ff)}`;
    return noteSizesUsed({ ...base, victims: [], candidates: list, reason: 'none', summary, targetKiB }, () => NO_SIZES);
  }
  const why =
    `Killing '${chosen.p.name}' (${chosen.p.pid}), adj ${chosen.p.oomScoreAdj}, to free ${chosen.sizeKiB} KiB: ` +
    `highest adj >= ${applied.level.adj}, largest resident size at that adj${tierNote(chosen.tier)}; ${levelWhy(applied, ff)}`;
  const victim = { ...victimFrom(chosen.p, chosen.sizeKiB, 'level', why), levelAdj: applied.level.adj };
  const pending: PendingVictim = {
    pid: chosen.p.pid,
    startTime: chosen.p.startTime,
    name: chosen.p.name,
    killedAtMs: ctx.nowMs,
  };
  const list = tableCandidates(ranked, (c, i) =>
    i === 0 ? `victim${tierNote(c.tier)}` : c.p.oomScoreAdj < chosen.p.oomScoreAdj ? 'lower adj' : 'same adj, not larger',
  );
  const decision: Decision<LowmemorykillerState> = {
    ...base,
    victims: [victim],
    candidates: list,
    reason: 'level',
    summary: why,
    targetKiB,
    state: { pending },
  };
  // Sizes only break ties at the victim's adj (and tier); without a victim none counted.
  return noteSizesUsed(decision, () => usedAmong(ranked.filter((c) => !byTier(c, chosen) && c.p.oomScoreAdj === chosen.p.oomScoreAdj).map((c) => c.p)));
}

export function tableTriggerReport(levels: readonly Level[], ff: FreeFile): TriggerReport {
  const reports = levelReports(levels, ff);
  const applied = reports.findIndex((l) => l.applies);
  return {
    active: applied >= 0,
    lines: [
      ...ff.lines,
      applied >= 0
        ? `level ${applied + 1} applies (minfree ${formatKiB(reports[applied]?.minfreeKiB ?? 0)}): min adj ${reports[applied]?.adj}`
        : 'no level applies: nothing to kill',
    ],
    values: {
      otherFreeKiB: ff.otherFreeKiB,
      otherFileKiB: ff.otherFileKiB,
      level: applied >= 0 ? applied + 1 : null,
      minAdj: applied >= 0 ? (reports[applied]?.adj ?? null) : null,
    },
    levels: reports,
  };
}

export const lowmemorykiller: Policy<LowmemorykillerParams, LowmemorykillerState> = {
  name: 'lowmemorykiller',
  trigger: 'threshold',
  readsOomScore: false,
  takesTableLevels: true,
  servesLmkdClients: false,
  headroom: (view, p) => minfreeDomainHeadroom(view, p.levels.map((l) => l.minfreeKiB)),
  neededKiB: (view, p) => tableNeededKiB(p.levels, lowmemFreeFile(view)),
  defaultParams: () => ({ levels: DEFAULT_LEVELS.map((l) => ({ ...l })), deathPendingMs: DEFAULT_DEATH_PENDING_MS }),
  initialState: () => ({}),
  needsAction: (view: MemoryView, p: LowmemorykillerParams) => {
    const ff = lowmemFreeFile(view);
    return applyingLevel(p.levels, ff.otherFreeKiB, ff.otherFileKiB) !== undefined;
  },
  decide: decideLowmemorykiller,
  sizesUsed: (_snapshot, decision) => sizesUsedBy(decision),
  describeParams: (p) => `levels ${describeLevels(p.levels)}, death pending ${p.deathPendingMs} ms`,
  explainTrigger: (view: MemoryView, p: LowmemorykillerParams) => tableTriggerReport(p.levels, lowmemFreeFile(view)),
};
