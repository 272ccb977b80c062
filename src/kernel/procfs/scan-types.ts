// The scanner's options, per-scan options and state, and counters (scanner.ts).
import type { PutOff } from './put-off.js';

export interface ProcScannerOptions {
  procRoot: string;
  pageSizeKiB: number;
  /** Fds the scanner may keep open between scans (4 per process at most); 0: never. */
  maxCachedFds: number;
  /** Highest fd number a held fd may get (limits.ts fdCeiling; default: maxCachedFds + 1024). */
  fdCeiling?: number;
  /** See slow-fields.ts: the longest interval between refreshes of status, cgroup and cmdline. */
  refreshMaxScans: number;
  /** USER_HZ, the unit of starttime (default 100). */
  clockTicksPerSecond?: number;
  /**
   * Hold an oom_score fd per process (default true). A scanner whose scans are mostly
   * incremental without oom_score saves the fd (and its 4 KiB kernel buffer).
   */
  holdOomScoreFd?: boolean;
  /**
   * Incremental scans: share the reads of processes held since earlier scans with a
   * helper thread (scan-helper.ts). Default false.
   */
  helperThread?: boolean;
}

export interface ScanOptions {
  /** Read stat only where it may have changed (scanner.ts header). Default false: a full scan. */
  incremental?: boolean;
  /** Incremental scans: read oom_score too (a full scan always does). Default true. */
  oomScore?: boolean;
  /**
   * The machine has no swap (SwapTotal 0): an incremental scan may work sizes out from a
   * statm that moved by file pages only and read status later (slow-fields.ts deferStatus).
   */
  swapless?: boolean;
  /**
   * Incremental scans: serve the size of a process held since earlier scans from its last
   * read (scan-helper-job.ts servesSizeLazily) and read only its oom_score_adj; freshen() reads the
   * sizes a decision used afterwards. Default false.
   */
  lazySizes?: boolean;
}

/** A process whose decision-relevant facts confirm() re-reads (a Victim is one). */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  oomScoreAdj: number;
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
  /** stat reads (every process in a full scan; where needed in an incremental one). */
  statReads: number;
  statusReads: number;
  fullReads: number;
  /** status reads an incremental scan left to refreshDue(): statm moved by file pages only, no swap. */
  statusDeferred: number;
  /** Scheduled refreshes an incremental scan left to refreshDue(). */
  refreshesPutOff: number;
  /** Processes whose statm and oom_score_adj were read in a shared job (main thread + helper). */
  prefetched: number;
  /** Processes whose size was served from an earlier read (lazySizes), and of those, re-read by freshen(). */
  sizesServed: number;
  sizesFreshened: number;
  /** oom_score read by readScores() after the scan left it out (the processes that could win). */
  scoresRead: number;
  /** Fds held open after the scan, and the processes they belong to. */
  cachedFds: number;
  persistentProcesses: number;
}

export function emptyStats(): ScanStats {
  return {
    listed: 0, returned: 0, vanished: 0, errors: 0, reusedPids: 0,
    statReads: 0, statusReads: 0, fullReads: 0, statusDeferred: 0, refreshesPutOff: 0, prefetched: 0, sizesServed: 0, sizesFreshened: 0, scoresRead: 0, cachedFds: 0, persistentProcesses: 0,
  };
}

/** The scan under way, as the scanner and its reader share it. */
export interface ScanState {
  scanNo: number;
  incremental: boolean;
  readScore: boolean;
  swapless: boolean;
  lazySizes: boolean;
  /** Scheduled refreshes the read under way may still run. */
  refreshBudget: number;
  /** Seconds since boot at the start of the scan (/proc/uptime); undefined if unreadable. */
  uptimeS: number | undefined;
  stats: ScanStats;
  /** What the scan put off, for refreshDue(). */
  putOff: PutOff;
}
