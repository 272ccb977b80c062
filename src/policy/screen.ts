// Screening shared by every policy: the fixed and configured protection rules, the memory
// domain, then the policy's own test. What survives is a candidate with its tier; every
// other process is a Skip with its reason.
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { Skip, SkipReason } from '../model/decision.js';
import { compileRules, protectionSkip, tierOf, TIER_RANK, type Tier } from './protection.js';
import { domainCgroupPath, inDomainPath } from './domain.js';
import type { PolicyContext } from './types.js';

export interface Candidate {
  p: ProcessInfo;
  tier: Tier;
  /** What the policy counts for this process, KiB. */
  sizeKiB: number;
}

interface Screened {
  candidates: Candidate[];
  /** Sorted by pid, so the list does not depend on the input order. */
  skipped: Skip[];
}

interface ScreenOptions {
  sizeKiB: (p: ProcessInfo) => number;
  /** The policy's own reason to pass over a process that the shared rules allow. */
  policySkip?: (p: ProcessInfo, sizeKiB: number) => SkipReason | undefined;
}

export function screen(snapshot: Snapshot, ctx: PolicyContext, options: ScreenOptions): Screened {
  const rules = compileRules(ctx.rules);
  const domainPath = snapshot.cgroup ? domainCgroupPath(snapshot.cgroup.path) : undefined;
  const candidates: Candidate[] = [];
  const skipped: Skip[] = [];
  for (const p of snapshot.processes) {
    const sizeKiB = options.sizeKiB(p);
    const reason =
      protectionSkip(p, ctx, rules) ??
      (domainPath === undefined || inDomainPath(p, domainPath) ? undefined : 'outside-domain') ??
      options.policySkip?.(p, sizeKiB);
    if (reason) skipped.push({ pid: p.pid, name: p.name, reason });
    else candidates.push({ p, tier: tierOf(p, rules), sizeKiB });
  }
  skipped.sort((a, b) => a.pid - b.pid || a.reason.localeCompare(b.reason) || a.name.localeCompare(b.name));
  return { candidates, skipped };
}

/** The last word in every order: pid, then starttime, so results never depend on input order. */
export function byIdentity(a: Candidate, b: Candidate): number {
  return a.p.pid - b.p.pid || a.p.startTime - b.p.startTime || (a.p.name < b.p.name ? -1 : a.p.name > b.p.name ? 1 : 0);
}

export function byTier(a: Candidate, b: Candidate): number {
  return TIER_RANK[a.tier] - TIER_RANK[b.tier];
}

export function tierNote(tier: Tier): string {
  return tier === 'prefer' ? ' (matched a prefer rule)' : tier === 'avoid' ? ' (matched an avoid rule)' : '';
}
