// The kernel's ProcessSource: /proc and cgroupfs read into Snapshots (format v1).
// Whole machine by default; one cgroup domain with `memcg` (a v1 memory directory or a
// cgroup2 directory): then only that group's processes (and its descendants'), plus its
// usage and limit. The scanner keeps fds between scans (see procfs/scanner.ts), so one
// long-lived source per domain is the cheap way to scan repeatedly. The daemon's sources
// scan incrementally (scanMode) and confirm a decision's victims before the kill (recheck).
import { join } from 'node:path';
import type { ProcessSource } from '../engine/ports.js';
import type { Victim } from '../model/decision.js';
import type { ProcessInfo } from '../model/snapshot.js';
import type { MemoryView } from '../model/memory-view.js';
import { SNAPSHOT_VERSION, type CgroupMemory, type MemoryState, type Snapshot, type Watermarks } from '../model/snapshot.js';
import { systemClock } from './clock.js';
import { listCgroupPids, memcgKind, readCgroupMemory, type MemcgKind } from './procfs/cgroup-domain.js';
import { defaultFdBudget, fdCeiling, fdReserve, raiseOpenFilesLimit, readOpenFilesLimit } from './procfs/limits.js';
import { readMeminfo, readVmstat, readZoneFacts, readZramSwap } from './procfs/memory.js';
import { ProcScanner, type ScanStats } from './procfs/scanner.js';
import { MachinePids } from './procfs/machine-pids.js';
import { ReadBuffer } from './procfs/read-buffer.js';
import { readPressureIfAllowed } from './triggers/pressure-file.js';
import { clockTicksPerSecond, pageSizeBytes } from './sys/sysconf.js';

export interface KernelProcessSourceOptions {
  /** Where procfs is mounted (a fake tree in tests). Default "/proc". */
  procRoot?: string;
  /** Where sysfs is mounted (zram's mm_stat). Default "/sys". */
  sysRoot?: string;
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
  /**
   * 'full' (default): every scan reads stat, statm, oom_score and oom_score_adj of every
   * process — a complete, fresh snapshot (`reapd snapshot`, `reapd record`).
   * 'incremental' (the daemon, at pressure events): statm and oom_score_adj of every
   * process, oom_score only with needOomScore, stat only where it may have changed, and
   * a bounded number of scheduled status/cgroup/cmdline refreshes per scan; recheck()
   * then confirms the chosen victims (docs/snapshot-format.md).
   */
  scanMode?: 'full' | 'incremental';
  /**
   * Read the domain's PSI `full avg10` into MemoryState.psiFullAvg10 at every memory read
   * (lmkd's stall_limit_critical): /proc/pressure/memory for the machine, memory.pressure
   * for a cgroup2 domain, or `pressureFile`. Default false.
   */
  stallAverage?: boolean;
  /** The pressure file stallAverage reads, when it is not the domain's own (GroupPidsSource). */
  pressureFile?: string;
  /** Incremental scans: read oom_score of every process too. Default false. */
  needOomScore?: boolean;
  /**
   * Incremental scans leave oom_score out and readScores() reads it for the processes a
   * decision names (the oom-score policy works the rest out from the sizes:
   * policy/oom-badness.ts). Not with needOomScore. Default false.
   */
  scoreOnDemand?: boolean;
  /**
   * Incremental scans: serve the sizes of settled processes from their last read and read
   * only their oom_score_adj; freshen() then re-reads the sizes a decision used (lmkd's
   * way: a size is read when the walk reaches its adj slot). For policies with
   * Policy.sizesUsed; not with needOomScore (oom_score moves with the size). Default false.
   */
  lazySizes?: boolean;
  /**
   * Incremental scans share their bulk reads with a helper thread (procfs/scan-helper.ts;
   * ~3.5 MB RSS). Default: true with scanMode 'incremental'.
   */
  helperThread?: boolean;
}

/** Incremental scans between two reads of /proc/zoneinfo's reserve. */
const RESERVE_EVERY_SCANS = 16;
/** Put-off refreshes run per turn of the event loop by afterReclaim (~50 µs each). */
const REFRESHES_PER_TURN = 8;

export class KernelProcessSource implements ProcessSource {
  readonly procRoot: string;
  readonly sysRoot: string;
  readonly memcg: string | undefined;
  readonly selfPid: number;
  readonly pageSizeKiB: number;
  readonly scanMode: 'full' | 'incremental';
  readonly needOomScore: boolean;
  readonly lazySizes: boolean;
  readonly scoreOnDemand: boolean;
  /** What the last scan handed out (freshen starts from it). */
  private last: Snapshot | undefined;
  private readonly scanner: ProcScanner;
  /** The machine domain's list of processes, kept between scans (procfs/machine-pids.ts). */
  private readonly machinePids: MachinePids;
  private memcgType: MemcgKind | undefined;
  private reserveKiB: number | undefined;
  private watermarks: Watermarks | undefined;
  /** With the default fd cache: the process count RLIMIT_NOFILE was last sized for. */
  private fdLimitSizedFor: number | undefined;
  private scansSinceReserve = 0;
  /** SwapTotal as last read (the next incremental scan's `swapless`); undefined before any read. */
  private swapTotalKiB: number | undefined;
  /** A refreshDue() chain is under way (afterReclaim). */
  private catchingUp = false;
  /** stallAverage: the pressure file, or undefined when off or found unreadable. */
  private pressureFile: string | undefined;
  /** The last full avg10 read: kept when the group was read too recently to read again. */
  private lastFullAvg10: number | undefined;
  /** Why RLIMIT_NOFILE could not be raised (EPERM without CAP_SYS_RESOURCE), if it could not. */
  fdLimitError: string | undefined;

  constructor(opts: KernelProcessSourceOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.sysRoot = opts.sysRoot ?? '/sys';
    this.memcg = opts.memcg;
    this.selfPid = opts.selfPid ?? process.pid;
    this.pageSizeKiB = opts.pageSizeKiB ?? pageSizeBytes() / 1024;
    this.scanMode = opts.scanMode ?? 'full';
    this.needOomScore = opts.needOomScore ?? false;
    this.lazySizes = this.scanMode === 'incremental' && !this.needOomScore && opts.lazySizes === true;
    this.scoreOnDemand = this.scanMode === 'incremental' && !this.needOomScore && opts.scoreOnDemand === true;
    if (opts.stallAverage === true) {
      this.pressureFile = opts.pressureFile ??
        (this.memcg === undefined ? join(this.procRoot, 'pressure', 'memory') : join(this.memcg, 'memory.pressure'));
    }
    const cache = opts.fdCache ?? true;
    if (cache === true) this.fdLimitSizedFor = 0;
    this.machinePids = new MachinePids(this.procRoot, new ReadBuffer(4096));
    this.scanner = new ProcScanner({
      holdOomScoreFd: this.scanMode === 'full' || this.needOomScore,
      helperThread: this.scanMode === 'incremental' && (opts.helperThread ?? true),
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

  /**
   * The same scan, synchronously (the watchdog and benchmarks call it directly). full: a
   * full scan whatever the scanMode.
   */
  scanSync(opts: { full?: boolean } = {}): Snapshot {
    const incremental = this.scanMode === 'incremental' && opts.full !== true;
    const list = (): number[] => {
      // An incremental scan of the machine lists /proc only when processes may have appeared.
      const pids = this.memcg === undefined ? this.machinePids.list(!incremental) : listCgroupPids(this.memcg);
      this.sizeFdLimit(pids.length);
      return pids;
    };
    // The lister runs inside the scan: an incremental scan starts its helper thread first.
    const swapless = this.swapTotalKiB === 0;
    const processes = this.scanner.scan(list, { incremental, oomScore: this.needOomScore, swapless, lazySizes: incremental && this.lazySizes });
    if (this.memcg === undefined) this.machinePids.keep(processes.map((p) => p.pid));
    // The reserve (watermarks, lowmem reserve) moves only with sysctls and memory hotplug;
    // /proc/zoneinfo costs ~0.2 ms, so incremental scans re-read it every few scans.
    if (!incremental || this.reserveKiB === undefined || ++this.scansSinceReserve >= RESERVE_EVERY_SCANS) {
      this.readZones();
      this.scansSinceReserve = 0;
    }
    const view = this.readMemorySync();
    const snapshot: Snapshot = { version: SNAPSHOT_VERSION, timeMs: systemClock.wallMs(), memory: view.memory, processes };
    if (view.cgroup) snapshot.cgroup = view.cgroup;
    this.last = snapshot;
    return snapshot;
  }

  /**
   * After a scan with lazySizes: re-read the sizes it served from an earlier read for the
   * processes `used` names (a decision's Policy.sizesUsed). The last snapshot with them —
   * same memory numbers — or undefined when none of them was served that way.
   */
  async freshen(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const last = this.last;
    if (last === undefined || !this.lazySizes) return undefined;
    const processes = this.scanner.freshen(used);
    if (processes === undefined) return undefined;
    this.last = { ...last, processes };
    return this.last;
  }

  /**
   * After an incremental scan with scoreOnDemand: the kernel's oom_score of the processes
   * `used` names that the scan handed out without it. The last snapshot with them — same
   * memory numbers — or undefined when none of them lacked it.
   */
  async readScores(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const last = this.last;
    if (last === undefined || !this.scoreOnDemand) return undefined;
    const processes = this.scanner.readScores(used);
    if (processes === undefined) return undefined;
    this.last = { ...last, processes };
    return this.last;
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

  /**
   * After an incremental scan: re-read what it served from earlier reads (stat: exiting,
   * zombie, exec) for the decision's victims. undefined: the decision stands; otherwise a
   * full, fresh snapshot to decide again on. A full scan needs no confirmation.
   */
  async recheck(victims: readonly Victim[]): Promise<Snapshot | undefined> {
    if (this.scanMode !== 'incremental' || this.scanner.confirm(victims)) return undefined;
    return this.scanSync({ full: true });
  }

  async readMemory(): Promise<MemoryView> {
    return this.readMemorySync();
  }

  /** Run up to `count` of the status reads and refreshes the last incremental scan put off, now; true while more remain. */
  refreshDueNow(count: number): boolean {
    return this.scanner.refreshDue(count);
  }

  /**
   * Run the status/cgroup/cmdline refreshes the last incremental scan put off, a few per
   * turn of the event loop (setImmediate, never a timer), so that a pressure event
   * arriving meanwhile is served first. The daemon calls it after each reclaim.
   */
  afterReclaim(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const step = (): void => {
      let more = false;
      try {
        more = this.refreshDueNow(REFRESHES_PER_TURN);
      } catch {
        // refreshDue skips what it cannot read; should anything else fail, the next
        // scan simply puts the refreshes off again.
      }
      if (more) setImmediate(step);
      else this.catchingUp = false;
    };
    setImmediate(step);
  }

  /** meminfo (+ the domain's usage and limit); the reserve is the one read by the last scan. */
  readMemorySync(): MemoryView {
    if (this.reserveKiB === undefined) this.readZones();
    const memory: MemoryState = { ...readMeminfo(this.procRoot), reserveKiB: this.reserveKiB ?? 0 };
    if (this.watermarks) memory.watermarks = this.watermarks;
    // lmkd's PSI strategy reads refaults and reclaim at every event (~30 µs), and what zram holds.
    const vmstat = readVmstat(this.procRoot, this.pageSizeKiB);
    if (vmstat) memory.vmstat = vmstat;
    const zram = memory.swapTotalKiB > 0 ? readZramSwap(this.procRoot, this.sysRoot) : undefined;
    if (zram) memory.zram = zram;
    const fullAvg10 = this.readFullAvg10();
    if (fullAvg10 !== undefined) memory.psiFullAvg10 = fullAvg10;
    this.swapTotalKiB = memory.swapTotalKiB;
    const cgroup = this.readCgroup();
    return cgroup ? { memory, cgroup } : { memory };
  }

  /**
   * stallAverage: the pressure file's `full avg10`. Reads of one group stay 10 ms apart
   * (triggers/pressure-file.ts: a read within a jiffy of another loses a stall for every
   * reader); in between, the last value stands. A missing file (no PSI, a v1 memcg) or
   * one without a `full` line turns the read off for good: the policy then sees none.
   */
  private readFullAvg10(): number | undefined {
    if (this.pressureFile === undefined) return undefined;
    try {
      const p = readPressureIfAllowed(this.pressureFile);
      if (p !== undefined) {
        if (p.full === undefined) throw new Error('no full line');
        this.lastFullAvg10 = p.full.avg10;
      }
    } catch {
      this.pressureFile = undefined;
      this.lastFullAvg10 = undefined;
    }
    return this.lastFullAvg10;
  }

  /** zoneinfo's reserve and watermarks move only with sysctls and hotplug: read together, now and then. */
  private readZones(): void {
    const z = readZoneFacts(this.procRoot, this.pageSizeKiB);
    this.reserveKiB = z.reserveKiB;
    this.watermarks = z.watermarks;
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

  /** How the last scan of the machine got its list of processes (procfs/machine-pids.ts). */
  get lastListKind(): 'full' | 'unchanged' | 'probed' | 'cgroup' {
    return this.memcg === undefined ? this.machinePids.lastKind : 'cgroup';
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
