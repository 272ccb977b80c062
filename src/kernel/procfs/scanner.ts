// The live process scanner (kernel-interfaces §4.4). Every scan reads stat, statm,
// oom_score and oom_score_adj of every process through fds opened once and re-read with
// pread at offset 0; status, cgroup and cmdline are read only where they can have
// changed (see refreshSlow). A process that vanishes mid-scan is skipped, never an error.
//
// Identity: a held /proc fd never reads another process's data after pid reuse (the read
// gives ESRCH). Fds opened later by path (status, cgroup, cmdline, and every file of an
// uncached process) are vouched for by reading oom_score_adj LAST through an fd opened
// BEFORE them: if that read succeeds, the process was alive after every open, so its pid
// had not been reused when they were made.
import { readdirSync } from 'node:fs';
import type { ProcessInfo } from '../../model/snapshot.js';
import { parseProcCgroup } from '../parse/cgroup.js';
import { parseOomScoreAdjBytes, parseOomScoreBytes } from '../parse/oom.js';
import { parseProcStatBytes, type ProcStat } from '../parse/stat.js';
import { anonPages, parseStatmBytes, type ProcStatm } from '../parse/statm.js';
import { parseProcStatus } from '../parse/status.js';
import { NO_FD, newEntry, resetIdentity, sameStatm, type PidEntry } from './entry.js';
import { GONE, ReadBuffer, closeQuietly, openOrGone } from './read.js';

export interface ProcScannerOptions {
  procRoot: string;
  pageSizeKiB: number;
  /** Fds the cache may hold open (4 per process, 1 per kernel thread); 0: open/read/close. */
  maxCachedFds: number;
  /**
   * Re-read status, cgroup and cmdline of a process 1, 2, 4 … scans after first sight,
   * then every refreshMaxScans scans: processes change uid, cgroup and title early in life.
   */
  refreshMaxScans: number;
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

/** Thrown (not an Error: no stack to capture) when a read says the process is gone. */
const GONE_SIGNAL = Symbol('gone');
const CMDLINE_MAX_BYTES = 4096;

function must(n: number): number {
  if (n === GONE) throw GONE_SIGNAL;
  return n;
}

function emptyStats(): ScanStats {
  return {
    listed: 0, returned: 0, vanished: 0, errors: 0, reusedPids: 0,
    statusReads: 0, fullReads: 0, cachedFds: 0, persistentProcesses: 0,
  };
}

export class ProcScanner {
  readonly procRoot: string;
  private readonly opts: ProcScannerOptions;
  private readonly entries = new Map<number, PidEntry>();
  private readonly small = new ReadBuffer(4096);
  private readonly big = new ReadBuffer(16384);
  private scanNo = 0;
  private fdsInUse = 0;
  private maxCachedFds: number;
  stats: ScanStats = emptyStats();

  constructor(opts: ProcScannerOptions) {
    this.opts = opts;
    this.procRoot = opts.procRoot;
    this.maxCachedFds = opts.maxCachedFds;
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
    const out: ProcessInfo[] = [];
    for (const pid of pids) {
      const info = this.readOne(pid);
      if (info) out.push(info);
    }
    for (const e of this.entries.values()) if (e.lastScan !== this.scanNo) this.drop(e);
    this.stats.returned = out.length;
    this.stats.cachedFds = this.fdsInUse;
    for (const e of this.entries.values()) if (e.persistent) this.stats.persistentProcesses++;
    return out;
  }

  /** Close every held fd. The scanner stays usable (the next scan reopens). */
  close(): void {
    for (const e of this.entries.values()) this.drop(e);
  }

  private readOne(pid: number): ProcessInfo | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      let e = this.entries.get(pid);
      if (!e) {
        e = newEntry(pid);
        this.entries.set(pid, e);
      }
      e.lastScan = this.scanNo;
      const heldFromEarlierScan = e.persistent && e.openedScan < this.scanNo;
      try {
        return this.readEntry(e);
      } catch (x) {
        this.drop(e);
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
    if (e.statFd === NO_FD) this.openFds(e);
    try {
      const stat = this.readStat(e);
      if (e.startTime !== stat.startTime) resetIdentity(e, stat.startTime);
      if (e.kernelThread && e.fullScan >= 0) return this.info(e, stat);
      const statm = this.readStatm(e);
      this.refreshSlow(e, stat, statm);
      e.oomScore = parseOomScoreBytes(this.small.buf, must(this.readSmall(e.scoreFd, 'oom_score', e))) ?? 0;
      // Last: its success vouches for every file opened by path since (see the header).
      const adj = parseOomScoreAdjBytes(this.small.buf, must(this.small.preadAll(e.adjFd)));
      if (adj === undefined) throw new Error('unparsable oom_score_adj');
      e.oomScoreAdj = adj;
      if (stat.kernelThread) this.keepOnlyStatFd(e);
      return this.info(e, stat);
    } finally {
      if (!e.persistent) this.closeFds(e);
    }
  }

  private path(e: PidEntry, file: string): string {
    return `${this.procRoot}/${e.pid}/${file}`;
  }

  /** Open stat and oom_score_adj (plus statm and oom_score when the budget allows keeping them). */
  private openFds(e: PidEntry): void {
    const statOnly = e.kernelThread && e.fullScan >= 0;
    const wanted = statOnly ? 1 : 4;
    e.persistent = this.fdsInUse + wanted <= this.maxCachedFds;
    e.openedScan = this.scanNo;
    e.statFd = this.openCounted(e, 'stat');
    if (statOnly) return;
    e.adjFd = this.openCounted(e, 'oom_score_adj');
    if (!e.persistent) return;
    e.statmFd = this.openCounted(e, 'statm');
    e.scoreFd = this.openCounted(e, 'oom_score');
  }

  private openCounted(e: PidEntry, file: string): number {
    let fd: number;
    try {
      fd = must(openOrGone(this.path(e, file)));
    } catch (x) {
      // Out of fds (the daemon's other fds grew): stop caching more, keep scanning.
      if ((x as { code?: string }).code === 'EMFILE') this.maxCachedFds = Math.max(0, this.fdsInUse - 64);
      throw x;
    }
    if (e.persistent) this.fdsInUse++;
    return fd;
  }

  private closeFds(e: PidEntry): void {
    for (const key of ['statFd', 'statmFd', 'adjFd', 'scoreFd'] as const) {
      if (e[key] === NO_FD) continue;
      closeQuietly(e[key]);
      e[key] = NO_FD;
      if (e.persistent) this.fdsInUse--;
    }
    e.persistent = false;
  }

  private keepOnlyStatFd(e: PidEntry): void {
    for (const key of ['statmFd', 'adjFd', 'scoreFd'] as const) {
      if (e[key] === NO_FD) continue;
      closeQuietly(e[key]);
      e[key] = NO_FD;
      if (e.persistent) this.fdsInUse--;
    }
  }

  private drop(e: PidEntry): void {
    this.closeFds(e);
    if (this.entries.get(e.pid) === e) this.entries.delete(e.pid);
  }

  /** A small file through its held fd, or by path when the process has none. */
  private readSmall(fd: number, file: string, e: PidEntry): number {
    return fd !== NO_FD ? this.small.preadAll(fd) : this.small.readPath(this.path(e, file));
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

  /**
   * status (uid, Rss split, swap, pending SIGKILL) is re-read when statm moved since the
   * last read (swap-out and swap-in move resident; munmap moves size), when the process
   * sleeps in D (a v1-frozen victim waits there with SIGKILL pending), on exec (comm
   * changed) and on a refresh schedule that starts often and backs off (see
   * refreshMaxScans); cgroup and cmdline on exec and on that schedule.
   */
  private refreshSlow(e: PidEntry, stat: ProcStat, statm: ProcStatm): void {
    const full = e.fullScan < 0 || stat.comm !== e.comm || this.scanNo >= e.nextFullScan;
    if (full || stat.state === 'D' || !sameStatm(e.statusStatm, statm)) this.readStatus(e, statm);
    if (!full) return;
    this.stats.fullReads++;
    e.cgroups = parseProcCgroup(this.big.text(must(this.big.readPath(this.path(e, 'cgroup')))));
    const n = must(this.big.readPath(this.path(e, 'cmdline'), CMDLINE_MAX_BYTES));
    e.cmdline = n > 0 ? this.big.buf.toString('utf8', 0, Math.min(n, CMDLINE_MAX_BYTES)).replace(/\0+$/, '').replace(/\0/g, ' ') : undefined;
    e.fullScan = this.scanNo;
    e.fullInterval = Math.min(Math.max(1, e.fullInterval * 2), Math.max(1, this.opts.refreshMaxScans));
    // Jitter by pid so processes first seen together do not all refresh in the same scan.
    e.nextFullScan = this.scanNo + e.fullInterval + (e.fullInterval >= 8 ? e.pid % (e.fullInterval >> 2) : 0);
    e.comm = stat.comm;
    e.kernelThread = stat.kernelThread;
  }

  private readStatus(e: PidEntry, statm: ProcStatm): void {
    this.stats.statusReads++;
    const s = parseProcStatus(this.big.text(must(this.big.readPath(this.path(e, 'status')))));
    const pageKiB = this.opts.pageSizeKiB;
    if (s?.uid) e.uid = s.uid.real;
    if (s?.sigkillPending) e.sigkillPending = true;
    if (s && (s.rssAnonKiB !== undefined || statm.residentPages === 0)) {
      e.rssAnonKiB = s.rssAnonKiB ?? 0;
      e.rssFileKiB = s.rssFileKiB ?? 0;
      e.rssShmemKiB = s.rssShmemKiB ?? 0;
      e.swapKiB = s.vmSwapKiB ?? 0;
      e.statusStatm = statm;
    } else {
      // No usable status: statm still gives anon exactly and file+shmem together.
      e.rssAnonKiB = anonPages(statm) * pageKiB;
      e.rssFileKiB = statm.sharedPages * pageKiB;
      e.rssShmemKiB = 0;
      e.statusStatm = undefined;
    }
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
