// The kernel's ProcessSource: /proc and cgroupfs read into Snapshots (format v1).
// Whole machine by default; one cgroup domain with `memcg` (a v1 memory directory or a
// cgroup2 directory): then only that group's processes (and its descendants'), plus its
// usage and limit. The scanner keeps fds between scans (see procfs/scanner.ts), so one
// long-lived source per domain is the cheap way to scan repeatedly.
import type { ProcessSource } from '../engine/ports.js';
import type { MemoryView } from '../policy/types.js';
import { SNAPSHOT_VERSION, type CgroupMemory, type MemoryState, type Snapshot } from '../model/snapshot.js';
import { systemClock } from './clock.js';
import { listCgroupPids, memcgKind, readCgroupMemory, type MemcgKind } from './procfs/cgroup-domain.js';
import { defaultFdBudget, fdCeiling, fdReserve, raiseOpenFilesLimit, readOpenFilesLimit } from './procfs/limits.js';
import { readMeminfo, readReserveKiB } from './procfs/memory.js';
import { ProcScanner, type ScanStats } from './procfs/scanner.js';
import { clockTicksPerSecond, pageSizeBytes } from './sys/sysconf.js';

export interface KernelProcessSourceOptions {
  /** Where procfs is mounted (a fake tree in tests). Default "/proc". */
  procRoot?: string;
  /** Limit the domain to this cgroup directory (v1 memory or cgroup2). */
  memcg?: string;
  /** The daemon's own pid (default: this process); handed to policies, never a victim. */
  selfPid?: number;
  /** Page size in KiB (default: sysconf). statm and zoneinfo count pages. */
  pageSizeKiB?: number;
  /**
   * Keep per-process fds open between scans: true (default) up to RLIMIT_NOFILE minus
   * 1024, a number for an explicit fd budget, false to open/read/close every time. Held
   * fds never take the process's fd count within 1024 of the limit, whoever else holds
   * fds. Each held seq_file fd pins one ~4 KiB kernel buffer once read
   * (docs/snapshot-format.md).
   */
  fdCache?: boolean | number;
  /**
   * Re-read status, cgroup and cmdline of a process 1, 2, 4 … scans after first sight, then
   * every refreshMaxScans scans (default 64). Between refreshes, status is still re-read
   * whenever statm moved or the process sleeps in D.
   */
  refreshMaxScans?: number;
}

export class KernelProcessSource implements ProcessSource {
  readonly procRoot: string;
  readonly memcg: string | undefined;
  readonly selfPid: number;
  readonly pageSizeKiB: number;
  private readonly scanner: ProcScanner;
  private memcgType: MemcgKind | undefined;
  private reserveKiB: number | undefined;
  /** With the default fd cache: the process count RLIMIT_NOFILE was last sized for. */
  private fdLimitSizedFor: number | undefined;
  /** Why RLIMIT_NOFILE could not be raised (EPERM without CAP_SYS_RESOURCE), if it could not. */
  fdLimitError: string | undefined;

  constructor(opts: KernelProcessSourceOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.memcg = opts.memcg;
    this.selfPid = opts.selfPid ?? process.pid;
    this.pageSizeKiB = opts.pageSizeKiB ?? pageSizeBytes() / 1024;
    const cache = opts.fdCache ?? true;
    if (cache === true) this.fdLimitSizedFor = 0;
    this.scanner = new ProcScanner({
      procRoot: this.procRoot,
      pageSizeKiB: this.pageSizeKiB,
      maxCachedFds: cache === true ? defaultFdBudget() : cache === false ? 0 : Math.max(0, cache),
      fdCeiling: fdCeiling(),
      refreshMaxScans: opts.refreshMaxScans ?? 64,
      clockTicksPerSecond: clockTicksPerSecond(),
    });
  }

  async scan(): Promise<Snapshot> {
    return this.scanSync();
  }

  /** The same scan, synchronously (the watchdog and benchmarks call it directly). */
  scanSync(): Snapshot {
    const pids = this.memcg === undefined ? this.scanner.listPids() : listCgroupPids(this.memcg);
    this.sizeFdLimit(pids.length);
    const processes = this.scanner.scan(pids);
    this.reserveKiB = readReserveKiB(this.procRoot, this.pageSizeKiB);
    const view = this.readMemorySync();
    const snapshot: Snapshot = { version: SNAPSHOT_VERSION, timeMs: systemClock.wallMs(), memory: view.memory, processes };
    if (view.cgroup) snapshot.cgroup = view.cgroup;
    return snapshot;
  }

  /**
   * Default cache only: when 4 fds per process would not fit, raise RLIMIT_NOFILE (soft to
   * hard; past hard with CAP_SYS_RESOURCE) for twice as many processes, at most once per
   * doubling of the process count.
   */
  private sizeFdLimit(processes: number): void {
    if (this.fdLimitSizedFor === undefined || processes <= 2 * this.fdLimitSizedFor) return;
    this.fdLimitSizedFor = processes;
    const current = readOpenFilesLimit();
    if (current && processes * 4 + fdReserve(current) <= current.soft) return;
    try {
      const { limit, error } = raiseOpenFilesLimit(processes * 8 + 1024);
      this.fdLimitError = error;
      this.scanner.setFdLimits(defaultFdBudget(limit), fdCeiling(limit));
    } catch (e) {
      this.fdLimitError = e instanceof Error ? e.message : String(e);
    }
  }

  async readMemory(): Promise<MemoryView> {
    return this.readMemorySync();
  }

  /** meminfo (+ the domain's usage and limit); the reserve is the one read by the last scan. */
  readMemorySync(): MemoryView {
    this.reserveKiB ??= readReserveKiB(this.procRoot, this.pageSizeKiB);
    const memory: MemoryState = { ...readMeminfo(this.procRoot), reserveKiB: this.reserveKiB };
    const cgroup = this.readCgroup();
    return cgroup ? { memory, cgroup } : { memory };
  }

  private readCgroup(): CgroupMemory | undefined {
    if (this.memcg === undefined) return undefined;
    this.memcgType ??= memcgKind(this.memcg);
    return readCgroupMemory(this.memcg, this.memcgType);
  }

  /** Counters of the last scan (listed, vanished, status reads, fds held …). */
  get lastScanStats(): ScanStats {
    return this.scanner.stats;
  }

  /** Release every held fd. */
  close(): void {
    this.scanner.close();
  }
}

/**
 * One live snapshot (whole machine, or the `memcg` domain). A one-shot scan holds no fds:
 * caching pays only from the second scan on.
 */
export async function scanLiveSnapshot(opts: KernelProcessSourceOptions = {}): Promise<Snapshot> {
  const source = new KernelProcessSource({ fdCache: false, ...opts });
  try {
    return await source.scan();
  } finally {
    source.close();
  }
}
