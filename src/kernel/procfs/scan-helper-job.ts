// The incremental scan's side of a helper job (scan-helper.ts): which processes go into
// it, and what their results mean for each entry.
import type { ProcStatm } from '../parse/statm.js';
import { NO_FD, type PidEntry } from './entry.js';
import { R_ADJ, R_DATA, R_RESIDENT, R_SCORE, R_SHARED, R_SIZE, R_STATUS, R_TEXT, SIZE_NOT_READ, ST_OK } from './scan-helper-memory.js';
import type { ScanHelper } from './scan-helper.js';

/**
 * Whether a scan with lazy sizes may serve this process's size from its last read: only
 * oom_score_adj is read now (ScanOptions.lazySizes). Not when the last read found no
 * resident pages (a policy would skip it as holding no memory: that must stay fresh),
 * nor while it sleeps in D or exits, nor with a status read pending, nor once chosen as
 * a victim (its exit must show at once: statm reads all zeros, then stat says Z).
 */
export function servesSizeLazily(e: PidEntry): boolean {
  const statm = e.statm;
  const stat = e.stat;
  return (
    statm !== undefined && stat !== undefined && statm.residentPages > 0 && statm === e.statusStatm &&
    e.fullScan >= 0 && stat.state !== 'D' && !stat.exiting && !e.sigkillPending && !e.chosen
  );
}

/**
 * Hand statm, oom_score (withScore) and oom_score_adj of every process held at 4 fds since
 * an earlier scan to the helper — with lazySizes, only oom_score_adj of a process whose
 * size is served lazily (held at 4 fds or 2) — and mark each entry with its item.
 * Returns the size.
 */
export function publishJob(pf: ScanHelper, entries: Iterable<PidEntry>, scanNo: number, withScore: boolean, lazySizes = false): number {
  let n = 0;
  for (const e of entries) {
    if (n === pf.capacity) break;
    if (e.kernelThread || e.stat === undefined || e.adjFd === NO_FD) continue;
    // A lazily served size needs only the held oom_score_adj fd (tier 2 holds it too).
    const lazy = lazySizes && !withScore && servesSizeLazily(e);
    if (!lazy && (e.tier !== 4 || e.statmFd === NO_FD || (withScore && e.scoreFd === NO_FD))) continue;
    pf.setJob(n, lazy ? NO_FD : e.statmFd, withScore ? e.scoreFd : NO_FD, e.adjFd);
    e.jobScan = scanNo;
    e.jobItem = n++;
  }
  if (n > 0) pf.start(n);
  return n;
}

/**
 * Whether the job found this process exactly as the last scan left it — the same statm,
 * adj (and oom_score), nothing that makes the scan read stat or status (state D,
 * exiting, statm all zeros, a status read pending): then the scan hands out the last
 * ProcessInfo directly. The caller checks the rest (no refresh due, fds kept).
 */
export function unchangedInJob(e: PidEntry, res: Float64Array, slot: number, withScore: boolean): boolean {
  const info = e.info;
  if (res[slot + R_STATUS] !== ST_OK || info === undefined) return false;
  // A lazily served size: only oom_score_adj was read. publishJob found servesSizeLazily,
  // and nothing has read the entry since, so state and sizes are as it found them.
  if (res[slot + R_SIZE] === SIZE_NOT_READ) return res[slot + R_ADJ] === info.oomScoreAdj && info.oomScore === undefined;
  const statm = e.statm;
  const stat = e.stat;
  if (statm === undefined || stat === undefined) return false;
  if (e.fullScan < 0 || stat.state === 'D' || stat.exiting || statm.sizePages === 0 || statm !== e.statusStatm) return false;
  if (withScore ? info.oomScore !== res[slot + R_SCORE] : info.oomScore !== undefined) return false;
  return (
    res[slot + R_ADJ] === info.oomScoreAdj &&
    res[slot + R_SIZE] === statm.sizePages &&
    res[slot + R_RESIDENT] === statm.residentPages &&
    res[slot + R_SHARED] === statm.sharedPages &&
    res[slot + R_TEXT] === statm.textPages &&
    res[slot + R_DATA] === statm.dataPages
  );
}

/** statm as the job read it (not for a lazily served size); the entry's last statm object again when no number moved. */
export function statmFromJob(e: PidEntry, res: Float64Array, slot: number): ProcStatm {
  const size = res[slot + R_SIZE] as number;
  const resident = res[slot + R_RESIDENT] as number;
  const shared = res[slot + R_SHARED] as number;
  const text = res[slot + R_TEXT] as number;
  const data = res[slot + R_DATA] as number;
  const last = e.statm;
  if (last && last.sizePages === size && last.residentPages === resident && last.sharedPages === shared && last.textPages === text && last.dataPages === data) return last;
  e.statmBytes = undefined; // no longer the text `statm` came from
  return { sizePages: size, residentPages: resident, sharedPages: shared, textPages: text, dataPages: data };
}
