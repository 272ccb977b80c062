// The ProcessInfo a scan hands out for one entry. At a pressure event most processes are
// exactly as they were at the last scan, so the object built then is handed out again
// when every field still matches: thousands of fresh objects per scan would only feed
// the young generation (the daemon runs with 2 MiB semi-spaces). Snapshots are read-only
// to everyone downstream (policies are pure), so sharing an unchanged object is safe.
import type { ProcessInfo } from '../../model/snapshot.js';
import type { ProcStat } from '../parse/stat.js';
import type { PidEntry } from './entry.js';

/** The entry's ProcessInfo for this scan; withScore: oom_score was read by it. */
export function processInfo(e: PidEntry, stat: ProcStat, withScore: boolean): ProcessInfo {
  const last = e.info;
  if (last !== undefined && unchanged(last, e, stat, withScore)) return last;
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
  };
  // Only when read by this scan: an incremental scan without oom_score leaves it out
  // rather than hand on an old value (the oom-score policy then estimates it).
  if (withScore) p.oomScore = e.oomScore;
  if (e.pageTablesKiB > 0) p.pageTablesKiB = e.pageTablesKiB;
  p.ppid = stat.ppid;
  if (e.cmdline !== undefined) p.cmdline = e.cmdline;
  if (e.cgroups?.memoryV1 !== undefined) p.memcgV1 = e.cgroups.memoryV1;
  if (e.cgroups?.freezerV1 !== undefined) p.freezerV1 = e.cgroups.freezerV1;
  if (e.cgroups?.v2 !== undefined) p.cgroupV2 = e.cgroups.v2;
  e.info = p;
  return p;
}

function unchanged(p: ProcessInfo, e: PidEntry, stat: ProcStat, withScore: boolean): boolean {
  return (
    p.pid === e.pid &&
    p.startTime === stat.startTime &&
    p.name === stat.comm &&
    p.state === stat.state &&
    p.kernelThread === stat.kernelThread &&
    p.exiting === (stat.exiting || e.sigkillPending) &&
    p.ppid === stat.ppid &&
    p.uid === e.uid &&
    p.oomScoreAdj === e.oomScoreAdj &&
    p.rssAnonKiB === e.rssAnonKiB &&
    p.rssFileKiB === e.rssFileKiB &&
    p.rssShmemKiB === e.rssShmemKiB &&
    p.swapKiB === e.swapKiB &&
    p.oomScore === (withScore ? e.oomScore : undefined) &&
    p.pageTablesKiB === (e.pageTablesKiB > 0 ? e.pageTablesKiB : undefined) &&
    p.cmdline === e.cmdline &&
    p.memcgV1 === e.cgroups?.memoryV1 &&
    p.freezerV1 === e.cgroups?.freezerV1 &&
    p.cgroupV2 === e.cgroups?.v2
  );
}
