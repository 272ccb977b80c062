// Which processes' sizes a decision rested on (Policy.sizesUsed). lmkd reads a process's
// size only when the walk reaches its adj slot; the daemon's scan does the same: at a
// pressure event it may serve sizes from an earlier read (KernelProcessSource lazySizes),
// and the engine re-reads the sizes a decision used and decides again until every size
// it used is fresh (engine/reclaim.ts). Each policy notes, with its decision, the
// processes whose sizes could have changed it; changing any other process's size would
// not (a property test checks this for every policy that notes it).
import type { ProcessInfo } from '../model/snapshot.js';

export type SizesUsed = (p: ProcessInfo) => boolean;

const ALL_SIZES: SizesUsed = () => true;
export const NO_SIZES: SizesUsed = () => false;

const noted = new WeakMap<object, () => SizesUsed>();

/** Attach to a decision the (lazily built) predicate of the sizes it used; returns the decision. */
export function noteSizesUsed<D extends object>(decision: D, make: () => SizesUsed): D {
  noted.set(decision, make);
  return decision;
}

/** The predicate noted with this decision; every size when none was noted. */
export function sizesUsedBy(decision: object): SizesUsed {
  return noted.get(decision)?.() ?? ALL_SIZES;
}

/** The processes among `members`, as a predicate. */
export function usedAmong(members: Iterable<ProcessInfo>): SizesUsed {
  const set = new Set(members);
  return set.size === 0 ? NO_SIZES : (p) => set.has(p);
}
