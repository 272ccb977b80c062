// Simple LMK (seed 000: find_victims, process_victims, scan_and_kill), as a pure function.
//
// Collection walks exact oom_score_adj buckets from the highest adj present down to 0,
// sorting each bucket's part by size, largest first, and stops once the list holds
// MAX_VICTIMS or `found >= minfree`. If more than minfree was found, two passes pick as few
// victims as possible: "Try to kill as few of the chosen victims as possible by sorting
// the chosen victims by size, which means larger victims that have a lower adj can be
// killed in place of smaller victims with a high adj." Otherwise every collected process dies.
import { formatKiB } from '../model/units.js';
import { totalSizeKiB } from '../model/snapshot.js';
import { victimFrom, withLazyCandidates, type Decision, type RankedCandidate, type Skip } from '../model/decision.js';
import type { Snapshot } from '../model/snapshot.js';
import { TIER_RANK } from './protection.js';
import { byIdentity, screen, tierNote, type Candidate } from './screen.js';
import { noteSizesUsed, sizesUsedBy, usedAmong, type SizesUsed } from './sizes-used.js';
import type { Policy, PolicyContext, TriggerReport } from './types.js';
import type { MemoryView } from '../model/memory-view.js';
import { minfreeDomainHeadroom } from './headroom.js';

/** "Kill up to this many victims per reclaim" (seed 000). */
export const MAX_VICTIMS = 1024;

export interface SimpleLmkParams {
  /** MIN_FREE_PAGES: the least a reclaim tries to free, KiB. */
  minfreeKiB: number;
  /** RECLAIM_EXPIRES: how long a reclaim waits for its victims to die, ms. */
  reclaimTimeoutMs: number;
}

/** Simple LMK keeps nothing between reclaims: each scan starts from scratch. */
type SimpleLmkState = Record<string, never>;

/** CONFIG_ANDROID_SIMPLE_LMK_MINFREE was 64 MiB in early versions (128 later). */
const SIMPLE_LMK_DEFAULT_MINFREE_KIB = 64 * 1024;
/** CONFIG_ANDROID_SIMPLE_LMK_TIMEOUT_MSEC's Kconfig default. */
const SIMPLE_LMK_DEFAULT_RECLAIM_TIMEOUT_MS = 200;

interface Collection {
  /** Collected candidates, bucket by bucket, each bucket's part sorted by size. */
  list: Candidate[];
  foundKiB: number;
  /** Buckets walked, in order; the last one is where collection stopped. */
  bucketsWalked: number;
  capped: boolean;
}

function bucketKey(c: Candidate): number {
  // Tier first (prefer < normal < avoid), then adj descending; adj is in [-999, 1000].
  return TIER_RANK[c.tier] * 10_000 + (1000 - c.p.oomScoreAdj);
}

/** Candidates grouped by bucket, buckets in walk order, members in input order. */
function groups(candidates: readonly Candidate[]): Candidate[][] {
  const byKey = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const key = bucketKey(c);
    const bucket = byKey.get(key);
    if (bucket) bucket.push(c);
    else byKey.set(key, [c]);
  }
  return [...byKey.entries()].sort(([a], [b]) => a - b).map(([, members]) => members);
}

/** The seed's order inside a bucket: newest first. The seed's list is newest-first (it
 * prepends during for_each_process), so members come highest pid first: that decides who
 * makes it in when MAX_VICTIMS is reached inside a bucket. */
function seedOrder(members: Candidate[]): Candidate[] {
  return members.sort((a, b) => -byIdentity(a, b));
}

/** Largest first; equal sizes: lower pid first (the seed's sort() leaves ties unordered). */
function bySizeDesc(a: Candidate, b: Candidate): number {
  return b.sizeKiB - a.sizeKiB || byIdentity(a, b);
}

/** find_victims(): collect bucket by bucket until MAX_VICTIMS or found >= minfree. */
function collect(candidates: readonly Candidate[], minfreeKiB: number): Collection {
  const list: Candidate[] = [];
  let foundKiB = 0;
  let bucketsWalked = 0;
  // Buckets are put in the seed's order only when walked: the walk mostly stops early.
  for (const group of groups(candidates)) {
    const bucket = seedOrder(group);
    bucketsWalked++;
    const added: Candidate[] = [];
    for (const c of bucket) {
      added.push(c);
      foundKiB += c.sizeKiB;
      if (list.length + added.length === MAX_VICTIMS) break;
    }
    list.push(...added.sort(bySizeDesc));
    if (list.length === MAX_VICTIMS || foundKiB >= minfreeKiB) break;
  }
  return { list, foundKiB, bucketsWalked, capped: list.length === MAX_VICTIMS };
}

/** process_victims(): keep each victim while the running total before it is below minfree. */
function keepUntilMinfree(list: readonly Candidate[], minfreeKiB: number): Candidate[] {
  const kept: Candidate[] = [];
  let totalKiB = 0;
  for (const c of list) {
    if (totalKiB >= minfreeKiB) break;
    totalKiB += c.sizeKiB;
    kept.push(c);
  }
  return kept;
}

interface Selection {
  mode: 'two-pass' | 'all';
  passOne: Candidate[];
  victims: Candidate[];
}

/** scan_and_kill()'s choice: two passes when found > minfree (strictly), else everything. */
function select(collection: Collection, minfreeKiB: number): Selection {
  if (collection.foundKiB > minfreeKiB) {
    const passOne = keepUntilMinfree(collection.list, minfreeKiB);
    // Array.prototype.sort is stable: equal sizes keep their pass-one order.
    const victims = keepUntilMinfree([...passOne].sort((a, b) => b.sizeKiB - a.sizeKiB), minfreeKiB);
    return { mode: 'two-pass', passOne, victims };
  }
  return { mode: 'all', passOne: [...collection.list], victims: [...collection.list] };
}

function candidateNote(c: Candidate, plan: SimpleLmkPlan, collected: Set<Candidate>): string {
  const tier = tierNote(c.tier);
  if (plan.victimSet.has(c)) return `victim${tier}`;
  if (plan.passOneSet.has(c)) return `kept by pass 1, not needed once pass 2 sorted by size${tier}`;
  if (collected.has(c)) return `collected; minfree was reached before it${tier}`;
  return plan.collection.capped
    ? `not collected: MAX_VICTIMS (${MAX_VICTIMS}) reached${tier}`
    : `not collected: enough was found above it${tier}`;
}

function victimWhy(c: Candidate, sel: Selection, foundKiB: number, minfreeKiB: number, before: number): string {
  const head = `Killing ${c.p.name} with adj ${c.p.oomScoreAdj} to free ${c.sizeKiB} KiB${tierNote(c.tier)}`;
  if (sel.mode === 'all') {
    return `${head}: found ${formatKiB(foundKiB)} is not more than minfree ${formatKiB(minfreeKiB)}, so every collected process dies`;
  }
  if (before === 0) {
    return sel.passOne.length === 1 ? `${head}: the only one pass 1 kept` : `${head}: the largest of the ${sel.passOne.length} pass 1 kept`;
  }
  return `${head}: still needed after pass 2's sort by size: the ${formatKiB(before)} chosen before it is below minfree ${formatKiB(minfreeKiB)}`;
}

function rankAll(plan: SimpleLmkPlan): RankedCandidate[] {
  const collected = new Set(plan.collection.list);
  // Collected ones in collection order, then the rest in the order a longer walk would take.
  const rest = groups(plan.candidates.filter((c) => !collected.has(c))).flatMap((b) => b.sort(bySizeDesc));
  return [...plan.collection.list, ...rest].map((c, i) => ({
    pid: c.p.pid,
    name: c.p.name,
    oomScoreAdj: c.p.oomScoreAdj,
    sizeKiB: c.sizeKiB,
    rank: i + 1,
    score: c.p.oomScoreAdj,
    note: candidateNote(c, plan, collected),
  }));
}

/**
 * The sizes a plan used: every candidate in the buckets the walk reached (sizes decide
 * who is collected there, and whether the walk goes on). Buckets below the last one
 * walked were never looked at.
 */
function planSizesUsed(plan: SimpleLmkPlan): SizesUsed {
  let lastKey = -Infinity;
  for (const c of plan.collection.list) lastKey = Math.max(lastKey, bucketKey(c));
  return usedAmong(plan.candidates.filter((c) => bucketKey(c) <= lastKey).map((c) => c.p));
}

/** Every step of one Simple LMK scan, for decide() and for tests that check each pass. */
interface SimpleLmkPlan {
  candidates: Candidate[];
  skipped: Skip[];
  collection: Collection;
  selection: Selection;
  victimSet: Set<Candidate>;
  passOneSet: Set<Candidate>;
}

export function planSimpleLmk(snapshot: Snapshot, params: SimpleLmkParams, ctx: PolicyContext): SimpleLmkPlan {
  const { candidates, skipped } = screen(snapshot, ctx, {
    sizeKiB: totalSizeKiB,
    // "Only tasks with a positive adj can be targeted"; every counter zero = no mm left.
    policySkip: (p, size) => (p.oomScoreAdj < 0 ? 'adj-below-min' : size <= 0 ? 'no-memory' : undefined),
  });
  const collection = collect(candidates, params.minfreeKiB);
  const selection = select(collection, params.minfreeKiB);
  return {
    candidates,
    skipped,
    collection,
    selection,
    victimSet: new Set(selection.victims),
    passOneSet: new Set(selection.passOne),
  };
}

export function decideSimpleLmk(
  snapshot: Snapshot,
  state: SimpleLmkState,
  params: SimpleLmkParams,
  ctx: PolicyContext,
): Decision<SimpleLmkState> {
  const plan = planSimpleLmk(snapshot, params, ctx);
  const { collection, selection: sel } = plan;
  const base = { policy: 'simple-lmk' as const, skipped: plan.skipped, targetKiB: params.minfreeKiB, state };
  if (plan.candidates.length === 0) {
    const none: Decision<SimpleLmkState> = { ...base, victims: [], candidates: [], reason: 'none', summary: 'No processes available to kill!' };
    return noteSizesUsed(none, () => planSizesUsed(plan));
  }
  let before = 0;
  const victims = sel.victims.map((c) => {
    const v = victimFrom(c.p, c.sizeKiB, 'minfree', victimWhy(c, sel, collection.foundKiB, params.minfreeKiB, before));
    before += c.sizeKiB;
    return v;
  });
  const how = sel.mode === 'two-pass' ? 'two-pass selection' : 'not more than minfree: all collected';
  const summary =
    `Found ${formatKiB(collection.foundKiB)} in ${collection.list.length} of ${plan.candidates.length} candidates ` +
    `(minfree ${formatKiB(params.minfreeKiB)}${collection.capped ? ', MAX_VICTIMS reached' : ''}); ${how}: ` +
    `kill ${victims.length} freeing ${formatKiB(before)}`;
  // Ranking every candidate is for `explain` and logs, not for choosing: computed on first read.
  const decision = withLazyCandidates({ ...base, victims, reason: 'minfree' as const, summary }, plan.candidates.length, () => rankAll(plan));
  return noteSizesUsed(decision, () => planSizesUsed(plan));
}

export const simpleLmk: Policy<SimpleLmkParams, SimpleLmkState> = {
  name: 'simple-lmk',
  trigger: 'pressure',
  readsOomScore: false,
  takesTableLevels: false,
  servesLmkdClients: false,
  // Only when a poller serves it: the distance to minfree.
  headroom: (view, p) => minfreeDomainHeadroom(view, [p.minfreeKiB]),
  // The seed's reclaim aims to free at least MIN_FREE_PAGES.
  neededKiB: (_view, p, decision) => decision.targetKiB ?? p.minfreeKiB,
  defaultParams: () => ({
    minfreeKiB: SIMPLE_LMK_DEFAULT_MINFREE_KIB,
    reclaimTimeoutMs: SIMPLE_LMK_DEFAULT_RECLAIM_TIMEOUT_MS,
  }),
  initialState: () => ({}),
  // The seed acts on every critical pressure event ("if (pressure == 100)") and reads no
  // memory counter first, so memory never vetoes a reclaim.
  needsAction: (_view: MemoryView, _params: SimpleLmkParams) => true,
  decide: decideSimpleLmk,
  sizesUsed: (_snapshot, decision) => sizesUsedBy(decision),
  describeParams: (p) => `minfree ${formatKiB(p.minfreeKiB)}, reclaim timeout ${p.reclaimTimeoutMs} ms`,
  explainTrigger: (view: MemoryView, p: SimpleLmkParams): TriggerReport => ({
    active: true,
    lines: [
      'acts on every critical memory pressure event (the seed: vmpressure == 100)',
      `aims to free at least minfree ${formatKiB(p.minfreeKiB)} per reclaim` +
        (view.cgroup ? ` in ${view.cgroup.path}` : ''),
    ],
    values: { minfreeKiB: p.minfreeKiB, reclaimTimeoutMs: p.reclaimTimeoutMs },
  }),
};
