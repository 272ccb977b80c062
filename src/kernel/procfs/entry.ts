// What the scanner remembers about one process between scans: its held fds and the
// "slow" fields read from status, cgroup and cmdline, which change rarely and cost more
// than everything else together (kernel-interfaces §4.4: status 5.2 µs of a 7.7 µs read).
import type { ProcessInfo } from '../../model/snapshot.js';
import type { ProcCgroups } from '../parse/cgroup.js';
import type { ProcStat } from '../parse/stat.js';
import type { ProcStatm } from '../parse/statm.js';

export const NO_FD = -1;

export type Tier = 0 | 1 | 2 | 4;

export interface PidEntry {
  pid: number;
  /** starttime of the process these fds and fields belong to; -1 before the first read. */
  startTime: number;
  /**
   * How many fds this process keeps open across scans: 4 (stat, oom_score_adj, statm,
   * oom_score — without oom_score when the table holds none: fds.ts), 2 (stat,
   * oom_score_adj), 1 (a kernel thread: stat), 0 (opened per read).
   */
  tier: Tier;
  statFd: number;
  statmFd: number;
  adjFd: number;
  scoreFd: number;
  kernelThread: boolean;
  /** Scan number this entry was last read in, and the one its held fds were opened in. */
  lastScan: number;
  openedScan: number;
  /** Scan number of the last full refresh (status + cgroup + cmdline); -1: never. */
  fullScan: number;
  /** When the next full refresh is due, and the interval that led there (doubling). */
  nextFullScan: number;
  fullInterval: number;
  comm: string;
  /**
   * stat as last read, and the scan that read it. An incremental scan serves comm, state,
   * flags and ppid from here while the process's statm stands still (scanner.ts).
   */
  stat?: ProcStat;
  statScan: number;
  /** statm as read by the last scan; read before stat, so a later exec or exit moves it. */
  statm?: ProcStatm;
  /** The scan that last read statm (a lazily served size keeps an older one: scanner.ts). */
  sizeScan: number;
  /**
   * Confirmed as a decision's victim: its size and state are never served lazily again,
   * so a scan sees it exit at once (lowmemorykiller's death-pending rule watches for that).
   */
  chosen: boolean;
  /** The text `statm` was parsed from: the same bytes again need no parse (only with `statm`). */
  statmBytes?: Uint8Array;
  /** The ProcessInfo the last scan handed out (info.ts hands it out again while unchanged). */
  info?: ProcessInfo;
  /** The scan whose helper job (scan-helper.ts) holds this process, and its item there. */
  jobScan: number;
  jobItem: number;
  /** statm as it was when status was last read: while unchanged, the Rss split and swap hold. */
  statusStatm?: ProcStatm;
  uid: number;
  rssAnonKiB: number;
  rssFileKiB: number;
  rssShmemKiB: number;
  swapKiB: number;
  /** status VmPTE, KiB (with the Rss split: part of the kernel's oom_badness). */
  pageTablesKiB: number;
  /** Once SIGKILL is pending it stays pending: the process is going to die. */
  sigkillPending: boolean;
  cgroups?: ProcCgroups;
  cmdline?: string;
  oomScoreAdj: number;
  oomScore: number;
}

export function newEntry(pid: number): PidEntry {
  return {
    pid,
    startTime: -1,
    tier: 0,
    statFd: NO_FD,
    statmFd: NO_FD,
    adjFd: NO_FD,
    scoreFd: NO_FD,
    kernelThread: false,
    lastScan: -1,
    openedScan: -1,
    fullScan: -1,
    nextFullScan: 0,
    fullInterval: 0,
    comm: '',
    statScan: -1,
    sizeScan: -1,
    chosen: false,
    jobScan: -1,
    jobItem: -1,
    uid: 0,
    rssAnonKiB: 0,
    rssFileKiB: 0,
    rssShmemKiB: 0,
    swapKiB: 0,
    pageTablesKiB: 0,
    sigkillPending: false,
    oomScoreAdj: 0,
    oomScore: 0,
  };
}

/** Forget everything learnt about the previous holder of this pid (a new starttime). */
export function resetIdentity(e: PidEntry, startTime: number): void {
  e.startTime = startTime;
  e.fullScan = -1;
  e.nextFullScan = 0;
  e.fullInterval = 0;
  e.statusStatm = undefined;
  e.stat = undefined;
  e.statScan = -1;
  e.statm = undefined; // the caller sets it again from the statm read in the same pass
  e.info = undefined;
  e.sigkillPending = false;
  e.chosen = false;
  e.cgroups = undefined;
  e.cmdline = undefined;
  e.kernelThread = false;
}

export function sameStatm(a: ProcStatm | undefined, b: ProcStatm): boolean {
  return (
    a !== undefined &&
    a.sizePages === b.sizePages &&
    a.residentPages === b.residentPages &&
    a.sharedPages === b.sharedPages &&
    a.dataPages === b.dataPages
  );
}
