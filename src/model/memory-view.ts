// What a policy's trigger looks at: the machine's memory and, for a cgroup domain, the
// group's usage and limit. Sources produce it (kernel, simulator, trace); policies read it.
import type { CgroupMemory, MemoryState } from './snapshot.js';

export interface MemoryView {
  memory: MemoryState;
  cgroup?: CgroupMemory;
}

/**
 * What kind of memory domain a configured domain is on this host: the whole machine, a
 * cgroup v1 memory directory, or a cgroup2 directory (with or without its memory
 * controller).
 */
/** cgroup2: a group without the memory controller (PSI only); cgroup2-memory: with it (memory.events, memory.high). */
export type DomainKind = 'machine' | 'memcg-v1' | 'cgroup2' | 'cgroup2-memory';

/**
 * How far memory is from a policy's threshold, KiB (negative: past it). Only paces the
 * adaptive poller (earlyoom's sleep formula); whether to act is the policy's needsAction.
 */
export interface Headroom {
  headroomKiB: number;
  swapHeadroomKiB?: number;
}
