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
  oomScore?: number;
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
}

/** Size a policy counts for a process: every memory counter (seed 000). */
export function totalSizeKiB(p: ProcessInfo): number {
  return p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB + p.swapKiB;
}

/** Resident size (anon + file + shmem, no swap): what lowmemorykiller compares (seed 002). */
export function residentKiB(p: ProcessInfo): number {
  return p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB;
}
