// The live process scanner (kernel-interfaces §4.4). A full scan reads stat, statm,
// oom_score and oom_score_adj of every process, through fds kept open between scans and
// re-read with pread at offset 0 where the fd budget allows (fds.ts); status, cgroup and
// cmdline only where they can have changed (slow-fields.ts). A process that vanishes mid-scan is
// skipped, never an error.
//
// An incremental scan (the daemon's, at a pressure event) reads what changes and matters
// for a decision: statm and oom_score_adj of every process (shared with a helper thread:
// scan-helper.ts), oom_score when asked, and stat only where it may have changed — first
// sight, no held fds to vouch for the cached one, statm moved (exec and exit both move
// it; a zombie's reads all zeros), state D or exiting at the last read. comm, starttime
// and PF_KTHREAD are fixed for a pid+starttime; state, PF_EXITING and ppid are served
// from the last read, so the victims of a decision made on them are confirmed (fresh
// stat, status, adj: confirm.ts) before anyone dies. Scheduled refreshes and status
// reads it may put off wait for refreshDue(), which the daemon runs after the kill.
//
// Identity: a held /proc fd never reads another process's data after pid reuse (the read
// gives ESRCH). Files opened later by path (statm and oom_score of processes without
// held fds for them, status, cgroup, cmdline) are vouched for by reading oom_score_adj
// LAST through an fd opened BEFORE them: if that read succeeds, the process was alive
// after every open, so its pid had not been reused when they were made.
import type { ProcessInfo } from '../../model/snapshot.js';
import { confirmEntry } from './confirm.js';
import type { PidEntry } from './entry.js';
import { FdTable } from './fds.js';
import { publishJob, unchangedInJob } from './scan-helper-job.js';
import { listProcPids, readUptimeS } from './list.js';
import { ScanHelper } from './scan-helper.js';
import { R_SIZE, SIZE_NOT_READ } from './scan-helper-memory.js';
import { PutOff } from './put-off.js';
import { ProcessReader } from './process-reader.js';
import { emptyStats, type ProcessIdentity, type ProcScannerOptions, type ScanOptions, type ScanState, type ScanStats } from './scan-types.js';
import { SlowFields } from './slow-fields.js';

export type { ScanOptions, ScanStats } from './scan-types.js';

/**
 * Scheduled refreshes an incremental scan runs itself (each costs stat, status, cgroup and
 * cmdline: ~50 µs); the rest wait for refreshDue(), which the daemon runs between reclaims.
 */
const REFRESHES_PER_INCREMENTAL_SCAN = 4;
/** Below this many processes a helper job is not worth waking a thread for. */
const MIN_JOB = 64;
/** Items one job may hold (the rest are read by the main thread); only what is used is resident. */
const MAX_JOB = 1 << 15;

export class ProcScanner {
  readonly procRoot: string;
  private readonly fds: FdTable;
  private readonly slow: SlowFields;
  private readonly reader: ProcessReader;
  /** The scan under way (or the last one): shared with the reader. */
  private readonly s: ScanState = {
    scanNo: 0, incremental: false, readScore: true, swapless: false, lazySizes: false, refreshBudget: Infinity,
    uptimeS: undefined, stats: emptyStats(), putOff: new PutOff(),
  };
  private kernelThreads = 0;
  /** What the last scan (or freshen) handed out. */
  private lastOut: ProcessInfo[] = [];
  private helper: ScanHelper | undefined;

  constructor(opts: ProcScannerOptions) {
    this.procRoot = opts.procRoot;
    // Started now, so that the thread is up by the first incremental scan.
    if (opts.helperThread === true) this.helper = new ScanHelper(MAX_JOB);
    this.fds = new FdTable(opts.procRoot, opts.maxCachedFds, opts.fdCeiling ?? opts.maxCachedFds + 1024, opts.holdOomScoreFd ?? true);
    this.slow = new SlowFields(this.fds, {
      pageSizeKiB: opts.pageSizeKiB,
      refreshMaxScans: opts.refreshMaxScans,
      clockTicksPerSecond: opts.clockTicksPerSecond ?? 100,
    });
    this.reader = new ProcessReader(this.fds, this.slow, this.s);
    this.reader.results = this.helper?.memory.results;
  }

  /** Counters of the last scan. */
  get stats(): ScanStats {
    return this.s.stats;
  }

  /** Every numeric entry of procRoot: the thread-group ids (threads are not listed). */
  listPids(): number[] {
    return listProcPids(this.procRoot);
  }

  /**
   * Read the given processes (or the ones `list` returns: an incremental scan with a
   * helper thread starts the helper on the known processes before listing); cached
   * entries of processes not listed are released.
   */
  scan(list: readonly number[] | (() => readonly number[]), opts: ScanOptions = {}): ProcessInfo[] {
    const s = this.s;
    s.scanNo++;
    s.stats = emptyStats();
    s.incremental = opts.incremental === true;
    s.readScore = !s.incremental || opts.oomScore !== false;
    s.swapless = s.incremental && opts.swapless === true;
    s.lazySizes = s.incremental && opts.lazySizes === true;
    s.refreshBudget = s.incremental ? REFRESHES_PER_INCREMENTAL_SCAN : Infinity;
    s.putOff.clear();
    s.uptimeS = readUptimeS(this.reader.small, this.procRoot);
    const jobItems = s.incremental ? this.publishJob() : 0;
    const pids = typeof list === 'function' ? list() : list;
    s.stats.listed = pids.length;
    this.fds.plan(pids.length, this.kernelThreads);
    const entries = this.reader.entries;
    const found: (ProcessInfo | undefined)[] = new Array<ProcessInfo | undefined>(pids.length);
    // Everyone outside the job first (new processes are read in full), while the helper reads the job.
    for (let k = 0; k < pids.length; k++) {
      const e = entries.get(pids[k] as number);
      if (e === undefined || e.jobScan !== s.scanNo) found[k] = this.reader.readOne(pids[k] as number);
    }
    if (jobItems > 0) this.finishJob(pids, found);
    const out: ProcessInfo[] = [];
    for (const p of found) if (p) out.push(p);
    this.kernelThreads = 0;
    for (const e of entries.values()) {
      if (e.lastScan !== s.scanNo) this.reader.drop(e);
      else if (e.kernelThread) this.kernelThreads++;
    }
    s.stats.returned = out.length;
    this.lastOut = out;
    s.stats.cachedFds = this.fds.fdsInUse;
    s.stats.persistentProcesses = this.fds.processesHolding;
    return out;
  }

  /** Start the helper on the processes held since earlier scans (scan-helper-job.ts); the job's size. */
  private publishJob(): number {
    const pf = this.helper;
    if (pf === undefined || pf.broken || this.reader.entries.size < MIN_JOB) return 0;
    return publishJob(pf, this.reader.entries.values(), this.s.scanNo, this.s.readScore, this.s.lazySizes);
  }

  /** Wait for the job, then read its processes from the results, in listing order. */
  private finishJob(pids: readonly number[], found: (ProcessInfo | undefined)[]): void {
    const pf = this.helper as ScanHelper;
    const { entries } = this.reader;
    const s = this.s;
    const finished = pf.finish();
    for (let k = 0; k < pids.length; k++) {
      const e = entries.get(pids[k] as number);
      if (e === undefined || e.jobScan !== s.scanNo) continue;
      if (!finished && pf.inFlight(e.jobItem)) {
        // The helper was given up while it held this item: never close the fds it may
        // still read. Forget the entry (its fds stay open) and read the pid afresh.
        this.fds.forget(e);
        entries.delete(e.pid);
        found[k] = this.reader.readOne(e.pid);
        continue;
      }
      s.stats.prefetched++;
      e.jobScan = -1; // handled (an entry of the job that was not listed is dropped below)
      const results = pf.memory.results;
      const slot = pf.resultAt(e.jobItem);
      const served = results[slot + R_SIZE] === SIZE_NOT_READ;
      if (served) s.stats.sizesServed++;
      if (unchangedInJob(e, results, slot, s.readScore) && !this.slow.due(e, s.scanNo) && this.fds.keeps(e)) {
        e.lastScan = s.scanNo;
        if (!served) e.sizeScan = s.scanNo;
        found[k] = e.info;
      } else found[k] = this.reader.readOne(e.pid, slot);
    }
    pf.idle();
  }

  /**
   * After a scan with lazySizes: read statm (and whatever its move makes the reader read:
   * stat, status) of the processes whose size the scan served from an earlier read and
   * that `used` names. The last scan's processes with those re-read (one gone meanwhile
   * is left out), or undefined when `used` named none of them.
   */
  freshen(used: (p: ProcessInfo) => boolean): ProcessInfo[] | undefined {
    const s = this.s;
    const last = this.lastOut;
    const stale: number[] = [];
    for (let k = 0; k < last.length; k++) {
      const p = last[k] as ProcessInfo;
      const e = this.reader.entries.get(p.pid);
      if (e !== undefined && e.lastScan === s.scanNo && e.sizeScan !== s.scanNo && e.info === p && used(p)) stale.push(k);
    }
    if (stale.length === 0) return undefined;
    const out: (ProcessInfo | undefined)[] = last.slice();
    const lazy = s.lazySizes;
    s.lazySizes = false; // read these in full, statm first
    try {
      for (const k of stale) out[k] = this.reader.readOne((last[k] as ProcessInfo).pid);
    } finally {
      s.lazySizes = lazy;
    }
    this.lastOut = out.filter((p): p is ProcessInfo => p !== undefined);
    s.stats.returned = this.lastOut.length;
    s.stats.sizesFreshened += stale.length;
    return this.lastOut;
  }

  /**
   * After an incremental scan without oom_score: read the kernel's oom_score of the
   * processes `used` names that the scan handed out without it (a decision's
   * Policy.scoresUsed: the few that could win). The last scan's processes with those read
   * (one gone meanwhile is left out), or undefined when `used` named none of them.
   */
  readScores(used: (p: ProcessInfo) => boolean): ProcessInfo[] | undefined {
    const s = this.s;
    const last = this.lastOut;
    const missing: number[] = [];
    for (let k = 0; k < last.length; k++) {
      const p = last[k] as ProcessInfo;
      const e = this.reader.entries.get(p.pid);
      if (p.oomScore === undefined && e !== undefined && e.lastScan === s.scanNo && e.info === p && used(p)) missing.push(k);
    }
    if (missing.length === 0) return undefined;
    const out: (ProcessInfo | undefined)[] = last.slice();
    for (const k of missing) {
      const e = this.reader.entries.get((last[k] as ProcessInfo).pid) as PidEntry;
      out[k] = this.reader.readScoreNow(e);
    }
    this.lastOut = out.filter((p): p is ProcessInfo => p !== undefined);
    s.stats.returned = this.lastOut.length;
    s.stats.scoresRead += missing.length;
    return this.lastOut;
  }

  /**
   * Run up to `count` of the status reads and refreshes the last (incremental) scan put
   * off; true while more remain. A refresh reads the process in full, as a full scan
   * would, and updates what the next scan hands out. A process gone meanwhile is dropped.
   */
  refreshDue(count: number): boolean {
    const s = this.s;
    const saved = s.refreshBudget;
    s.refreshBudget = Infinity;
    try {
      return s.putOff.run(count, {
        // Never a decision's victim: once signalled, nothing of it is read until it is gone
        // (its memory teardown must not wait for our reads: kill/boost.ts).
        current: (e) => this.reader.entries.get(e.pid) === e && e.lastScan === s.scanNo && !e.chosen,
        status: (e) => this.reader.readStatusNow(e),
        refresh: (e) => {
          if (!this.slow.due(e, s.scanNo)) return false;
          this.reader.readOne(e.pid);
          return true;
        },
      });
    } finally {
      s.refreshBudget = saved;
    }
  }

  /**
   * After an incremental scan, before its decision is carried out: are these processes
   * (the victims) still as the scan said? See confirm.ts; false: decide again on a full scan.
   */
  confirm(ids: readonly ProcessIdentity[]): boolean {
    const r = this.reader;
    const io = { small: r.small, slow: this.slow, readSmall: (fd: number, file: string, e: PidEntry) => r.readSmall(fd, file, e) };
    for (const id of ids) {
      const e = r.entries.get(id.pid);
      if (!e?.stat || e.lastScan !== this.s.scanNo || e.startTime !== id.startTime || !confirmEntry(e, id, io)) return false;
      e.statScan = this.s.scanNo;
      e.chosen = true;
    }
    return true;
  }

  /** Change the fd budget and ceiling (after RLIMIT_NOFILE changed). */
  setFdLimits(maxCachedFds: number, fdCeiling: number): void {
    this.fds.setLimits(maxCachedFds, fdCeiling);
  }

  /** Close every held fd and stop the helper thread. The scanner stays usable (the next scan reopens, without a helper). */
  close(): void {
    for (const e of this.reader.entries.values()) this.reader.drop(e);
    this.s.putOff.clear();
    this.helper?.stop();
    this.helper = undefined;
    this.reader.results = undefined;
  }
}
