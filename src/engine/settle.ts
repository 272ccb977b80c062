// After a reclaim that killed: is a pressure event that follows it stale? The kernel
// queues pressure events while the victims die (a vmpressure eventfd counts on; a PSI
// window still holds the stall), and the first one read after the reclaim would cost a
// second process. Measured (issue 11): a 300 MiB memcg, hogs at adj 0/500/900 and a
// grower; one kill (the adj-900 hog) was enough, yet an event 80 ms later killed the
// grower too. An event within the settle window is absorbed when the last reclaim
// reached its target (the policy's own measure: Decision.targetKiB) and its memory came
// back (the cgroup's usage below, or the machine's available memory above, what the
// decision saw). When the reclaim fell short, or the memory is used up again (a grower
// that keeps growing), the event runs a reclaim as before. Pure: no clock, no I/O.
import type { Decision } from '../model/decision.js';
import type { MemoryState, CgroupMemory } from '../model/snapshot.js';
import { formatKiB } from '../model/units.js';
import type { MemoryView } from '../model/memory-view.js';

export interface Settle {
  /** Events before this time (ms, Clock.nowMs) are checked. */
  untilMs: number;
  freedKiB: number;
  targetKiB: number | undefined;
  /** The memory the decision was made on. */
  memory: MemoryState;
  cgroup: CgroupMemory | undefined;
}

/** What to remember of a reclaim that killed (freedKiB: the sizes of the victims SIGKILLed). */
export function settleAfter(decision: Decision, freedKiB: number, decidedOn: { memory: MemoryState; cgroup?: CgroupMemory }, untilMs: number): Settle {
  return { untilMs, freedKiB, targetKiB: decision.targetKiB, memory: decidedOn.memory, cgroup: decidedOn.cgroup };
}

/** Why an event at `nowMs` with memory `view` is stale (absorb it), or undefined: act on it. */
export function staleBecause(s: Settle, nowMs: number, view: MemoryView): string | undefined {
  if (nowMs >= s.untilMs) return undefined;
  if (s.targetKiB !== undefined && s.freedKiB < s.targetKiB) return undefined; // still short by the policy's own measure
  const freed = `the last reclaim freed ${formatKiB(s.freedKiB)}${s.targetKiB !== undefined ? ` (target ${formatKiB(s.targetKiB)})` : ''}`;
  if (s.cgroup && view.cgroup) {
    if (view.cgroup.usageKiB >= s.cgroup.usageKiB) return undefined; // used up again: the pressure persists
    return `${freed} and its memory came back: cgroup usage ${formatKiB(view.cgroup.usageKiB)}, ${formatKiB(s.cgroup.usageKiB)} at its decision`;
  }
  if (view.memory.availableKiB <= s.memory.availableKiB) return undefined;
  return `${freed} and its memory came back: available ${formatKiB(view.memory.availableKiB)}, ${formatKiB(s.memory.availableKiB)} at its decision`;
}
