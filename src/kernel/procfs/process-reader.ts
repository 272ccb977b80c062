// Reading one process for a scan (scanner.ts): through held fds or by path, in full or
// incrementally, from a helper job's results when it has them. See scanner.ts for the
// rules (what is read when, and the identity argument).
import type { ProcessInfo } from '../../model/snapshot.js';
import { parseOomScoreAdjBytes, parseOomScoreBytes } from '../parse/oom.js';
import { parseProcStatBytes, type ProcStat } from '../parse/stat.js';
import { parseStatmBytes, type ProcStatm } from '../parse/statm.js';
import { NO_FD, newEntry, resetIdentity, type PidEntry } from './entry.js';
import { GONE_SIGNAL, must, type FdTable } from './fds.js';
import { processInfo } from './info.js';
import { servesSizeLazily, statmFromJob } from './scan-helper-job.js';
import { R_ADJ, R_SCORE, R_SIZE, R_STATUS, SIZE_NOT_READ, ST_GONE, ST_OK } from './scan-helper-memory.js';
import { ReadBuffer } from './read-buffer.js';
import type { ScanState } from './scan-types.js';
import type { SlowFields } from './slow-fields.js';

/** Thrown when an entry must be dropped and its pid read again as a new process. */
const RETRY_SIGNAL = Symbol('retry');

export class ProcessReader {
  readonly entries = new Map<number, PidEntry>();
  readonly small = new ReadBuffer(4096);
  /** The helper job's results (scan-helper-memory.ts layout), when the scan has a helper. */
  results: Float64Array | undefined;

  constructor(
    readonly fds: FdTable,
    readonly slow: SlowFields,
    /** The scan under way: its number, mode, counters (the scanner sets it per scan). */
    readonly s: ScanState,
  ) {}

  /** One process; `slot`: its results in the helper job's memory (-1: read it here). */
  readOne(pid: number, slot = -1): ProcessInfo | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      let e = this.entries.get(pid);
      if (!e) {
        e = newEntry(pid);
        this.entries.set(pid, e);
      }
      e.lastScan = this.s.scanNo;
      const heldFromEarlierScan = e.tier > 0 && e.openedScan < this.s.scanNo;
      try {
        return this.readEntry(e, attempt === 0 ? slot : -1);
      } catch (x) {
        this.drop(e);
        if (x === RETRY_SIGNAL) continue;
        if (x !== GONE_SIGNAL) {
          this.s.stats.errors++;
          this.s.stats.lastError = `pid ${pid}: ${x instanceof Error ? x.message : String(x)}`;
          return undefined;
        }
        // Fds held since an earlier scan give ESRCH once their process is gone, even
        // if the pid was reused and listed again: read the new holder once, afresh.
        if (!heldFromEarlierScan) break;
        this.s.stats.reusedPids++;
      }
    }
    this.s.stats.vanished++;
    return undefined;
  }

  private readEntry(e: PidEntry, slot: number): ProcessInfo {
    const res = this.results;
    const pre = slot >= 0 && res !== undefined ? res[slot + R_STATUS] : -1;
    // Gone through a held fd: the caller reads the pid again as whoever holds it now.
    if (pre === ST_GONE) throw GONE_SIGNAL;
    const fromJob = pre === ST_OK && res !== undefined;
    const knownKernelThread = e.kernelThread && e.fullScan >= 0;
    this.fds.prepare(e, this.s.scanNo, knownKernelThread);
    let kernelThread = knownKernelThread;
    try {
      if (knownKernelThread) return this.readKernelThread(e);
      // statm before stat: the statm kept beside a stat was read no later than it, so an
      // exec or exit after the stat read moves the next statm (incremental scans rely on it).
      // lazySizes without a helper job: the size from the last read (scan-helper-job.ts servesSizeLazily),
      // for a process whose held oom_score_adj fd, read last, vouches it is the same one.
      const lazy = fromJob
        ? res[slot + R_SIZE] === SIZE_NOT_READ
        : this.s.lazySizes && e.tier >= 2 && e.adjFd !== NO_FD && e.openedScan < this.s.scanNo && servesSizeLazily(e);
      const statm = lazy ? (e.statm as ProcStatm) : fromJob ? statmFromJob(e, res, slot) : this.readStatm(e);
      if (lazy) {
        if (!fromJob) this.s.stats.sizesServed++;
      } else e.sizeScan = this.s.scanNo;
      // First sight is always read in full; only later refreshes count against the budget.
      const due = e.fullScan >= 0 && this.slow.due(e, this.s.scanNo);
      const scheduled = due && this.s.refreshBudget > 0;
      const deferStatus = this.s.swapless && e.tier >= 2 && this.slow.fileOnlyMove(e, statm);
      const fresh = !this.s.incremental || scheduled || this.statMayHaveChanged(e, statm, deferStatus);
      const stat = fresh ? this.readFreshStat(e) : (e.stat as ProcStat);
      kernelThread = stat.kernelThread;
      e.statm = statm;
      if (scheduled) this.s.refreshBudget--;
      else if (due) {
        this.s.stats.refreshesPutOff++;
        this.s.putOff.refreshes.push(e);
      }
      const byPath = this.s.stats.statusReads + this.s.stats.fullReads;
      const ctx = { scanNo: this.s.scanNo, uptimeS: this.s.uptimeS, counters: this.s.stats, scheduled, deferStatus };
      if (this.slow.refresh(e, stat, statm, ctx)) this.s.putOff.statuses.push(e);
      if (fromJob) {
        if (this.s.readScore) e.oomScore = res[slot + R_SCORE] as number;
        // The job's oom_score_adj read vouches for nothing opened after it: read it again
        // after status, cgroup or cmdline were opened by path.
        e.oomScoreAdj = byPath === this.s.stats.statusReads + this.s.stats.fullReads ? (res[slot + R_ADJ] as number) : this.readAdj(e);
        return processInfo(e, stat, this.s.readScore);
      }
      if (this.s.readScore) e.oomScore = parseOomScoreBytes(this.small.buf, must(this.readSmall(e.scoreFd, 'oom_score', e))) ?? 0;
      // Last: its success vouches for every file opened by path since (see the header).
      e.oomScoreAdj = this.readAdj(e);
      return processInfo(e, stat, this.s.readScore);
    } finally {
      this.fds.finish(e, kernelThread);
    }
  }

  /** A known kernel thread: its stat, through a fresh fd if it holds none, says whether the pid still is one. */
  private readKernelThread(e: PidEntry): ProcessInfo {
    const stat = this.readStat(e);
    if (e.startTime !== stat.startTime) {
      resetIdentity(e, stat.startTime);
      // A kernel thread's pid (read through a fresh fd) now holds a user process: read it in full.
      if (!stat.kernelThread) throw RETRY_SIGNAL;
    }
    e.stat = stat;
    e.statScan = this.s.scanNo;
    e.sizeScan = this.s.scanNo; // none to serve lazily
    return processInfo(e, stat, this.s.readScore);
  }

  /**
   * Whether an incremental scan must read stat. The cached stat stands only for a process
   * whose oom_score_adj fd, held since an earlier scan, will vouch that it is still the
   * same process, and whose statm did not move since — or moved by file pages only
   * (fileOnly: exec and exit change size, text, data; a zombie's statm is all zeros).
   * State D and exiting are re-read while they last.
   */
  private statMayHaveChanged(e: PidEntry, statm: ProcStatm, fileOnly: boolean): boolean {
    const s = e.stat;
    if (s === undefined || e.tier < 2 || e.openedScan === this.s.scanNo) return true;
    if (s.state === 'D' || s.exiting || statm.sizePages === 0) return true;
    return statm !== e.statm && !fileOnly;
  }

  private readFreshStat(e: PidEntry): ProcStat {
    const stat = this.readStat(e);
    if (e.startTime !== stat.startTime) resetIdentity(e, stat.startTime);
    e.stat = stat;
    e.statScan = this.s.scanNo;
    return stat;
  }

  private readAdj(e: PidEntry): number {
    const adj = parseOomScoreAdjBytes(this.small.buf, must(this.small.preadAll(e.adjFd)));
    if (adj === undefined) throw new Error('unparsable oom_score_adj');
    return adj;
  }

  /** A put-off status read: status by path, then oom_score_adj through its held fd to vouch. */
  readStatusNow(e: PidEntry): void {
    try {
      if (e.statm === undefined || e.stat === undefined || e.adjFd === NO_FD) return;
      this.slow.readStatus(e, e.statm);
      e.oomScoreAdj = this.readAdj(e);
      processInfo(e, e.stat, this.s.readScore);
    } catch {
      this.drop(e); // gone or unreadable: the next scan reads the pid afresh
    }
  }

  /**
   * The kernel's oom_score of a process the last scan read without it (readScores): its
   * held fd or by path, then oom_score_adj last (through its held fd: the vouch, see the
   * header). undefined when it is gone or unreadable (then dropped).
   */
  readScoreNow(e: PidEntry): ProcessInfo | undefined {
    try {
      if (e.stat === undefined) return undefined;
      const score = parseOomScoreBytes(this.small.buf, must(this.readSmall(e.scoreFd, 'oom_score', e)));
      if (score === undefined) throw new Error('unparsable oom_score');
      const adj = parseOomScoreAdjBytes(this.small.buf, must(this.readSmall(e.adjFd, 'oom_score_adj', e)));
      if (adj === undefined) throw new Error('unparsable oom_score_adj');
      e.oomScore = score;
      e.oomScoreAdj = adj;
      return processInfo(e, e.stat, true);
    } catch {
      this.drop(e);
      return undefined;
    }
  }

  drop(e: PidEntry): void {
    this.fds.shrink(e, 0);
    if (this.entries.get(e.pid) === e) this.entries.delete(e.pid);
  }

  /** A small file through its held fd, or by path when the process has none for it. */
  readSmall(fd: number, file: string, e: PidEntry): number {
    return fd !== NO_FD ? this.small.preadAll(fd) : this.small.readPath(this.fds.path(e, file));
  }

  private readStat(e: PidEntry): ProcStat {
    const stat = parseProcStatBytes(this.small.buf, must(this.small.preadAll(e.statFd)));
    if (!stat) throw new Error('unparsable stat');
    this.s.stats.statReads++;
    return stat;
  }

  /** statm; the entry's last statm object again when the text has not changed. */
  private readStatm(e: PidEntry): ProcStatm {
    const n = must(this.readSmall(e.statmFd, 'statm', e));
    const buf = this.small.buf;
    if (e.statm !== undefined && sameBytes(e.statmBytes, buf, n)) return e.statm;
    const statm = parseStatmBytes(buf, n);
    if (!statm) throw new Error('unparsable statm');
    e.statmBytes = Uint8Array.prototype.slice.call(buf, 0, n);
    return statm;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array, length: number): boolean {
  if (a === undefined || a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
