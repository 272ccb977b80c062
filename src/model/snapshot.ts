// Snapshot format v1 (docs/snapshot-format.md). The field names below are a contract
// that other tools read: add fields, never rename them.

export const SNAPSHOT_VERSION = 1;

/** System memory, from /proc/meminfo (KiB) and the reserve from /proc/zoneinfo. */
export interface MemoryState {
  totalKiB: number;
  freeKiB: number;
  availableKiB: number;
  cachedKiB: number;
  buffersKiB: number;
  shmemKiB: number;
  unevictableKiB: number;
  swapCachedKiB: number;
  swapTotalKiB: number;
  swapFreeKiB: number;
  /** Sum over zones of the pages the kernel keeps back (high watermark + lowmem reserve), KiB. */
  reserveKiB: number;
  // Optional: read where a policy needs them (lmkd's PSI strategy), absent in older snapshots.
  /** meminfo Active(anon) + Inactive(anon), KiB (lmkd's swap utilisation). */
  anonKiB?: number;
  /** meminfo CmaFree, KiB (lmkd leaves CMA pages out of free memory). */
  cmaFreeKiB?: number;
  /** Zone watermarks summed over zones, each plus the zone's largest lowmem reserve (lmkd's calc_zone_watermarks). */
  watermarks?: Watermarks;
  /** /proc/vmstat counters. */
  vmstat?: VmCounters;
  /** zram devices summed (mm_stat); present when swap is on zram. */
  zram?: ZramState;
  /** PSI memory "full avg10" of the domain, percent. */
  psiFullAvg10?: number;
}

export interface Watermarks {
  minKiB: number;
  lowKiB: number;
  highKiB: number;
}

/** /proc/vmstat, in pages as the kernel counts them (the counters only grow). */
export interface VmCounters {
  /** workingset_refault_file (before 5.9: workingset_refault): file pages faulted back soon after eviction. */
  workingsetRefaultFile: number;
  /** pgscan_direct: pages scanned by allocations reclaiming for themselves. */
  pgscanDirect: number;
  /** pgscan_kswapd: pages scanned by the background reclaimer. */
  pgscanKswapd: number;
  /** nr_inactive_file + nr_active_file: the file LRU, pages. */
  fileLruPages: number;
  /** The page size these counters are in, KiB. */
  pageSizeKiB: number;
}

/** What swapped pages cost on zram: mm_stat's orig_data_size and mem_used_total, KiB. */
export interface ZramState {
  /** Uncompressed size of the pages stored. */
  origDataKiB: number;
  /** RAM the device uses for them (compressed data + allocator overhead). */
  memUsedKiB: number;
}

/** A memory domain narrower than the machine: a cgroup with a limit. */
export interface CgroupMemory {
  /** Path as given (v1 memory directory or cgroup2 directory). */
  path: string;
  usageKiB: number;
  /**
   * The limit the group's headroom is measured against, KiB; null: no limit ("max" or the
   * v1 page-counter maximum). cgroup2: the lower of memory.max and memory.high — over
   * memory.high the kernel throttles and reclaims the group, which is already what a
   * low-memory killer exists to prevent.
   */
  limitKiB: number | null;
  /** cgroup2: memory.max alone (where the kernel OOM-kills), when it differs from limitKiB. */
  maxKiB?: number | null;
  /** Page cache charged to the group, KiB, where the kernel reports it. */
  fileKiB?: number;
  /** cgroup2: memory.swap.current (the group's swapped-out memory, zram included), KiB. */
  swapKiB?: number;
  /** cgroup2: memory.swap.max, KiB; null: no limit of its own. */
  swapLimitKiB?: number | null;
}

export interface ProcessInfo {
  pid: number;
  /** comm, as the kernel has it (may hold spaces, parentheses, newlines, UTF-8). */
  name: string;
  /** One letter from /proc/PID/stat: R S D Z T t X I … */
  state: string;
  /** PF_KTHREAD in /proc/PID/stat flags — never an empty cmdline heuristic. */
  kernelThread: boolean;
  /** PF_EXITING, a zombie/dead state, or SIGKILL pending. */
  exiting: boolean;
  /** Real uid. */
  uid: number;
  /** starttime from /proc/PID/stat, in clock ticks since boot: with pid, a process identity. */
  startTime: number;
  oomScoreAdj: number;
  rssAnonKiB: number;
  rssFileKiB: number;
  rssShmemKiB: number;
  swapKiB: number;
  // Optional on input; the live scanner fills them.
  /** /proc/PID/oom_score as the kernel showed it (absent: not read; the oom-score policy works it out). */
  oomScore?: number;
  /** Page tables, KiB (status VmPTE): part of the kernel's oom_badness. */
  pageTablesKiB?: number;
  ppid?: number;
  cmdline?: string;
  /** cgroup v1 memory controller path, e.g. "/user.slice". */
  memcgV1?: string;
  /** cgroup v1 freezer path. */
  freezerV1?: string;
  /** cgroup2 path (the "0::" line). */
  cgroupV2?: string;
}

export interface Snapshot {
  version: 1;
  /** Wall-clock time of the scan, ms since the epoch (optional on input). */
  timeMs?: number;
  memory: MemoryState;
  /** Present when the snapshot covers one cgroup domain. */
  cgroup?: CgroupMemory;
  processes: ProcessInfo[];
  /** With scopes on: what the kernel layer read from each scope's cgroup2 directory. */
  scopes?: ScopeAttrs[];
}

/** A scope's own facts, read from its cgroup2 directory (src/kernel/scope-attrs.ts). */
export interface ScopeAttrs {
  /** cgroup2 path as /proc/PID/cgroup names it. */
  path: string;
  /** systemd-oomd's xattr user.oomd_avoid (ManagedOOMPreference=avoid) is set. */
  oomdAvoid?: boolean;
  /** user.oomd_omit (ManagedOOMPreference=omit) is set. */
  oomdOmit?: boolean;
  /** memory.current, KiB, where the memory controller is enabled for the scope. */
  memoryCurrentKiB?: number;
}

/** Size a policy counts for a process: every memory counter (seed 000). */
export function totalSizeKiB(p: ProcessInfo): number {
  return p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB + p.swapKiB;
}

/**
 * What a swapped-out KiB costs in RAM: on zram, mem_used_total ÷ orig_data_size (a page
 * compressed 3:1 costs a third); otherwise 1 (a disk swap slot, counted as the seeds count
 * "memory": every counter, swap included). Capped at 1 (an almost empty zram's overhead).
 */
export function swapCostRatio(memory: MemoryState): number {
  const z = memory.zram;
  if (!z || z.origDataKiB <= 0) return 1;
  return Math.min(1, z.memUsedKiB / z.origDataKiB);
}

/** Resident memory plus swapped-out pages at their real cost (swapCostRatio). */
export function residentAndSwapKiB(p: ProcessInfo, swapRatio: number): number {
  return p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB + Math.round(p.swapKiB * swapRatio);
}

/** Resident size (anon + file + shmem, no swap): what lowmemorykiller compares (seed 002). */
export function residentKiB(p: ProcessInfo): number {
  return p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB;
}
