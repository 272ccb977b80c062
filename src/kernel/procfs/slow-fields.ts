// The "slow" fields of a process: status (uid, the Rss split, swap, pending SIGKILL),
// cgroup and cmdline. They cost more than everything else read per process together
// (status alone ~5 µs of ~8, kernel-interfaces §4.4) and change rarely, so they are read
// only where they can have changed:
// - status when statm moved since status was last read (swap-out and swap-in move
//   resident; munmap moves size), while the process sleeps in D (a v1-frozen victim
//   waits there with SIGKILL pending), on exec (comm changed), and on the refresh schedule;
// - cgroup and cmdline on first sight, on exec and on the refresh schedule: a young
//   process 1, 2, 4 … scans after first sight, then every refreshMaxScans (jittered by
//   pid); a process older than a minute when first seen starts at the maximum.
import { parseProcCgroup } from '../parse/cgroup.js';
import type { ProcStat } from '../parse/stat.js';
import { anonPages, type ProcStatm } from '../parse/statm.js';
import { parseProcStatus } from '../parse/status.js';
import { sameStatm, type PidEntry } from './entry.js';
import { must, type FdTable } from './fds.js';
import { ReadBuffer } from './read-buffer.js';

/** A process this old (seconds) when first seen has settled its uid, cgroup and title. */
const SETTLED_AGE_S = 60;
const CMDLINE_MAX_BYTES = 4096;

interface SlowOptions {
  pageSizeKiB: number;
  refreshMaxScans: number;
  clockTicksPerSecond: number;
}

interface SlowCounters {
  statusReads: number;
  fullReads: number;
  /** Status reads put off: the sizes were worked out from statm (refresh's deferStatus). */
  statusDeferred: number;
}

interface RefreshContext {
  scanNo: number;
  /** Seconds since boot at the start of the scan: ages first-seen processes. */
  uptimeS: number | undefined;
  counters: SlowCounters;
  /** Run the refresh the schedule asks for now (false: a busy scan put it off). */
  scheduled: boolean;
  /**
   * statm moved only by file-backed pages (same size, text, data and anon) on a machine
   * without swap: the sizes follow from statm exactly (anon = resident − shared, file +
   * shmem = shared, swap 0), so status — for the file/shmem split, uid and a pending
   * SIGKILL — may wait for refreshDue(). An incremental scan's choice.
   */
  deferStatus: boolean;
}

export class SlowFields {
  private readonly buf = new ReadBuffer(16384);

  constructor(
    private readonly fds: FdTable,
    private readonly opts: SlowOptions,
  ) {}

  /** Whether this process's scheduled refresh is due (or overdue) in this scan. */
  due(e: PidEntry, scanNo: number): boolean {
    return scanNo >= e.nextFullScan;
  }

  /**
   * Whether statm moved since status was read only by file-backed pages: the same size,
   * text, data and anon (resident − shared) — reclaim dropping file pages, or page cache
   * faulted back in. Exec and exit change the rest (an exited process reads all zeros).
   */
  fileOnlyMove(e: PidEntry, statm: ProcStatm): boolean {
    const base = e.statusStatm;
    return (
      base !== undefined &&
      statm.sizePages !== 0 &&
      statm.sizePages === base.sizePages &&
      statm.textPages === base.textPages &&
      statm.dataPages === base.dataPages &&
      anonPages(statm) === anonPages(base)
    );
  }

  /** Refresh what may have changed. Returns true when status was put off (ctx.deferStatus). */
  refresh(e: PidEntry, stat: ProcStat, statm: ProcStatm, ctx: RefreshContext): boolean {
    const full = e.fullScan < 0 || stat.comm !== e.comm || ctx.scheduled;
    let deferred = false;
    if (full || stat.state === 'D' || !sameStatm(e.statusStatm, statm)) {
      if (!full && stat.state !== 'D' && ctx.deferStatus) {
        ctx.counters.statusDeferred++;
        this.sizesFromStatm(e, statm);
        deferred = true;
      } else {
        ctx.counters.statusReads++;
        this.readStatus(e, statm);
      }
    }
    if (!full) return deferred;
    const n = ctx.counters;
    const { scanNo, uptimeS } = ctx;
    n.fullReads++;
    e.cgroups = parseProcCgroup(this.buf.text(must(this.buf.readPath(this.fds.path(e, 'cgroup')))));
    const len = must(this.buf.readPath(this.fds.path(e, 'cmdline'), CMDLINE_MAX_BYTES));
    const raw = len > 0 ? this.buf.buf.toString('utf8', 0, Math.min(len, CMDLINE_MAX_BYTES)) : '';
    e.cmdline = raw === '' ? undefined : raw.replace(/\0+$/, '').replace(/\0/g, ' ');
    e.fullScan = scanNo;
    e.comm = stat.comm;
    e.kernelThread = stat.kernelThread;
    this.schedule(e, stat.startTime, scanNo, uptimeS);
    return false;
  }

  /**
   * A file-only move (fileOnlyMove) without swap: anon stays, file + shmem is `shared`
   * exactly; shmem (swap-backed, so not reclaimable here) keeps what status said, capped
   * by `shared`. status is read again later (refreshDue) for the exact split.
   */
  private sizesFromStatm(e: PidEntry, statm: ProcStatm): void {
    const pageKiB = this.opts.pageSizeKiB;
    const sharedKiB = statm.sharedPages * pageKiB;
    e.rssAnonKiB = anonPages(statm) * pageKiB;
    e.rssShmemKiB = Math.min(e.rssShmemKiB, sharedKiB);
    e.rssFileKiB = sharedKiB - e.rssShmemKiB;
    e.swapKiB = 0;
  }

  private schedule(e: PidEntry, startTime: number, scanNo: number, uptimeS: number | undefined): void {
    const max = Math.max(1, this.opts.refreshMaxScans);
    const ageS = uptimeS === undefined ? 0 : uptimeS - startTime / this.opts.clockTicksPerSecond;
    const settled = e.fullInterval === 0 && ageS > SETTLED_AGE_S;
    e.fullInterval = settled ? max : Math.min(Math.max(1, e.fullInterval * 2), max);
    e.nextFullScan = scanNo + e.fullInterval + (e.fullInterval >= 4 ? e.pid % e.fullInterval : 0);
  }

  /** status now (uid, the Rss split, swap, pending SIGKILL), with the statm just read. */
  readStatus(e: PidEntry, statm: ProcStatm): void {
    const s = parseProcStatus(this.buf.text(must(this.buf.readPath(this.fds.path(e, 'status')))));
    if (s?.uid) e.uid = s.uid.real;
    if (s?.sigkillPending) e.sigkillPending = true;
    if (s && (s.rssAnonKiB !== undefined || statm.residentPages === 0)) {
      e.rssAnonKiB = s.rssAnonKiB ?? 0;
      e.rssFileKiB = s.rssFileKiB ?? 0;
      e.rssShmemKiB = s.rssShmemKiB ?? 0;
      e.swapKiB = s.vmSwapKiB ?? 0;
      e.pageTablesKiB = s.vmPteKiB ?? 0;
      e.statusStatm = statm;
      return;
    }
    // No usable status: statm still gives anon exactly and file+shmem together.
    const pageKiB = this.opts.pageSizeKiB;
    e.rssAnonKiB = anonPages(statm) * pageKiB;
    e.rssFileKiB = statm.sharedPages * pageKiB;
    e.rssShmemKiB = 0;
    e.statusStatm = undefined;
  }
}
