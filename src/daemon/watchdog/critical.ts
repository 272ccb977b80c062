// When the watchdog calls a domain's memory critical: below a headroom in KiB, or below
// a percentage of the domain's size (5 % by default). The numbers come from
// src/kernel/procfs/headroom.ts.
import type { DomainMemory } from '../../kernel/procfs/headroom.js';

export interface WatchdogThresholds {
  /** Critical below this much headroom, KiB. */
  headroomBelowKiB?: number;
  /** Critical below this percentage of the domain's size (default 5). */
  headroomBelowPercent?: number;
}

/** The headroom under which memory is critical. */
export function criticalHeadroomKiB(mem: DomainMemory, t: WatchdogThresholds): number {
  if (t.headroomBelowKiB !== undefined) return t.headroomBelowKiB;
  return (mem.sizeKiB * (t.headroomBelowPercent ?? 5)) / 100;
}

export function isCritical(mem: DomainMemory, t: WatchdogThresholds): boolean {
  return mem.headroomKiB < criticalHeadroomKiB(mem, t);
}
