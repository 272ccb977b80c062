// The live process scanner (kernel-interfaces §4.4). Every scan reads stat, statm,
// oom_score and oom_score_adj of every process, through fds kept open between scans and
// re-read with pread at offset 0 where the fd budget allows (fds.ts); status, cgroup and
// cmdline only where they can have changed (slow.ts). A process that vanishes mid-scan is
// skipped, never an error.
//
// Identity: a held /proc fd never reads another process's data after pid reuse (the read
// gives ESRCH). Files opened later by path (statm and oom_score of processes without
// held fds for them, status, cgroup, cmdline) are vouched for by reading oom_score_adj
// LAST through an fd opened BEFORE them: if that read succeeds, the process was alive
// after every open, so its pid had not been reused when they were made.
import { readdirSync } from 'node:fs';
import type { ProcessInfo } from '../../model/snapshot.js';
import { parseOomScoreAdjBytes, parseOomScoreBytes } from '../parse/oom.js';
import { parseProcStatBytes, type ProcStat } from '../parse/stat.js';
import { parseStatmBytes, type ProcStatm } from '../parse/statm.js';
import { NO_FD, newEntry, resetIdentity, type PidEntry } from './entry.js';
import { FdTable, GONE_SIGNAL, must } from './fds.js';
import { ReadBuffer } from './read.js';
import { SlowFields } from './slow.js';

/** Thrown when an entry must be dropped and its pid read again as a new process. */
const RETRY_SIGNAL = Symbol('retry');

export interface ProcScannerOptions {
  procRoot: string;
  pageSizeKiB: number;
  /** Fds the scanner may keep open between scans (4 per process at most); 0: never. */
  maxCachedFds: number;
  /** Highest fd number a held fd may get (limits.ts fdCeiling; default: maxCachedFds + 1024). */
  fdCeiling?: number;
  /** See slow.ts: the longest interval between refreshes of status, cgroup and cmdline. */
  refreshMaxScans: number;
  /** USER_HZ, the unit of starttime (default 100). */
  clockTicksPerSecond?: number;
}

export interface ScanStats {
  listed: number;
  returned: number;
  /** Processes that went away between listing and reading (ENOENT/ESRCH). */
  vanished: number;
  /** Unexpected failures (EACCES, unparsable text); the process is skipped. */
  errors: number;
  lastError?: string;
  /** Pids whose held fds said ESRCH while the pid was listed again: reused, read afresh. */
  reusedPids: number;
  statusReads: number;
  fullReads: number;
  /** Fds held open after the scan, and the processes they belong to. */
  cachedFds: number;
  persistentProcesses: number;
}

function emptyStats(): ScanStats {
  return {
    listed: 0, returned: 0, vanished: 0, errors: 0, reusedPids: 0,
    statusReads: 0, fullReads: 0, cachedFds: 0, persistentProcesses: 0,
  };
}

export class ProcScanner {
  readonly procRoot: string;
  private readonly entries = new Map<number, PidEntry>();
  private readonly small = new ReadBuffer(4096);
  private readonly fds: FdTable;
  private readonly slow: SlowFields;
  private scanNo = 0;
  private kernelThreads = 0;
  /** Seconds since boot at the start of this scan (/proc/uptime); undefined if unreadable. */
  private uptimeS: number | undefined;
  stats: ScanStats = emptyStats();

  constructor(opts: ProcScannerOptions) {
    this.procRoot = opts.procRoot;
    this.fds = new FdTable(opts.procRoot, opts.maxCachedFds, opts.fdCeiling ?? opts.maxCachedFds + 1024);
    this.slow = new SlowFields(this.fds, {
      pageSizeKiB: opts.pageSizeKiB,
      refreshMaxScans: opts.refreshMaxScans,
      clockTicksPerSecond: opts.clockTicksPerSecond ?? 100,
    });
  }

  /** Every numeric entry of procRoot: the thread-group ids (threads are not listed). */
  listPids(): number[] {
    const out: number[] = [];
    for (const name of readdirSync(this.procRoot)) {
      const c = name.charCodeAt(0);
      if (c < 0x31 || c > 0x39) continue;
      const pid = Number(name);
      if (Number.isSafeInteger(pid)) out.push(pid);
    }
    return out;
  }

  /** Read the given processes; cached entries of processes not listed are released. */
  scan(pids: readonly number[]): ProcessInfo[] {
    this.scanNo++;
    this.stats = emptyStats();
    this.stats.listed = pids.length;
    this.uptimeS = this.readUptime();
    this.fds.plan(pids.length, this.kernelThreads);
    const out: ProcessInfo[] = [];
    for (const pid of pids) {
      const info = this.readOne(pid);
      if (info) out.push(info);
    }
    this.kernelThreads = 0;
    for (const e of this.entries.values()) {
      if (e.lastScan !== this.scanNo) this.drop(e);
      else if (e.kernelThread) this.kernelThreads++;
    }
    this.stats.returned = out.length;
    this.stats.cachedFds = this.fds.fdsInUse;
    this.stats.persistentProcesses = this.fds.processesHolding;
    return out;
  }

  /** Change the fd budget and ceiling (after RLIMIT_NOFILE changed). */
  setFdLimits(maxCachedFds: number, fdCeiling: number): void {
    this.fds.setLimits(maxCachedFds, fdCeiling);
  }

  /** Close every held fd. The scanner stays usable (the next scan reopens). */
  close(): void {
    for (const e of this.entries.values()) this.drop(e);
  }

  private readUptime(): number | undefined {
    const n = this.small.readPath(`${this.procRoot}/uptime`);
    if (n <= 0) return undefined;
    const v = Number.parseFloat(this.small.text(n));
    return Number.isFinite(v) ? v : undefined;
  }

  private readOne(pid: number): ProcessInfo | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      let e = this.entries.get(pid);
      if (!e) {
        e = newEntry(pid);
        this.entries.set(pid, e);
      }
      e.lastScan = this.scanNo;
      const heldFromEarlierScan = e.tier > 0 && e.openedScan < this.scanNo;
      try {
        return this.readEntry(e);
      } catch (x) {
        this.drop(e);
        if (x === RETRY_SIGNAL) continue;
        if (x !== GONE_SIGNAL) {
          this.stats.errors++;
          this.stats.lastError = `pid ${pid}: ${x instanceof Error ? x.message : String(x)}`;
          return undefined;
        }
        // Fds held since an earlier scan give ESRCH once their process is gone, even
        // if the pid was reused and listed again: read the new holder once, afresh.
        if (!heldFromEarlierScan) break;
        this.stats.reusedPids++;
      }
    }
    this.stats.vanished++;
    return undefined;
  }

  private readEntry(e: PidEntry): ProcessInfo {
    const knownKernelThread = e.kernelThread && e.fullScan >= 0;
    this.fds.prepare(e, this.scanNo, knownKernelThread);
    let kernelThread = knownKernelThread;
    try {
      const stat = this.readStat(e);
      kernelThread = stat.kernelThread;
      if (e.startTime !== stat.startTime) {
        resetIdentity(e, stat.startTime);
        // A kernel thread's pid (read through a fresh fd) now holds a user process: read it in full.
        if (knownKernelThread && !stat.kernelThread) throw RETRY_SIGNAL;
      }
      if (knownKernelThread) return this.info(e, stat);
      const statm = this.readStatm(e);
      this.slow.refresh(e, stat, statm, this.scanNo, this.uptimeS, this.stats);
      e.oomScore = parseOomScoreBytes(this.small.buf, must(this.readSmall(e.scoreFd, 'oom_score', e))) ?? 0;
      // Last: its success vouches for every file opened by path since (see the header).
      const adj = parseOomScoreAdjBytes(this.small.buf, must(this.small.preadAll(e.adjFd)));
      if (adj === undefined) throw new Error('unparsable oom_score_adj');
      e.oomScoreAdj = adj;
      return this.info(e, stat);
    } finally {
      this.fds.finish(e, kernelThread);
    }
  }

  private drop(e: PidEntry): void {
    this.fds.shrink(e, 0);
    if (this.entries.get(e.pid) === e) this.entries.delete(e.pid);
  }

  /** A small file through its held fd, or by path when the process has none for it. */
  private readSmall(fd: number, file: string, e: PidEntry): number {
    return fd !== NO_FD ? this.small.preadAll(fd) : this.small.readPath(this.fds.path(e, file));
  }

  private readStat(e: PidEntry): ProcStat {
    const stat = parseProcStatBytes(this.small.buf, must(this.small.preadAll(e.statFd)));
    if (!stat) throw new Error('unparsable stat');
    return stat;
  }

  private readStatm(e: PidEntry): ProcStatm {
    const statm = parseStatmBytes(this.small.buf, must(this.readSmall(e.statmFd, 'statm', e)));
    if (!statm) throw new Error('unparsable statm');
    return statm;
  }

  private info(e: PidEntry, stat: ProcStat): ProcessInfo {
    const p: ProcessInfo = {
      pid: e.pid,
      name: stat.comm,
      state: stat.state,
      kernelThread: stat.kernelThread,
      exiting: stat.exiting || e.sigkillPending,
      uid: e.uid,
      startTime: stat.startTime,
      oomScoreAdj: e.oomScoreAdj,
      rssAnonKiB: e.rssAnonKiB,
      rssFileKiB: e.rssFileKiB,
      rssShmemKiB: e.rssShmemKiB,
      swapKiB: e.swapKiB,
      oomScore: e.oomScore,
      ppid: stat.ppid,
    };
    if (e.cmdline !== undefined) p.cmdline = e.cmdline;
    if (e.cgroups?.memoryV1 !== undefined) p.memcgV1 = e.cgroups.memoryV1;
    if (e.cgroups?.freezerV1 !== undefined) p.freezerV1 = e.cgroups.freezerV1;
    if (e.cgroups?.v2 !== undefined) p.cgroupV2 = e.cgroups.v2;
    return p;
  }
}
