// confirm(): before a decision made on an incremental scan is carried out, the victims'
// stat, status and (last) oom_score_adj are read afresh — the scan may have served stat
// from an earlier read (state, PF_EXITING) and put status off (a pending SIGKILL, uid).
import { parseOomScoreAdjBytes } from '../parse/oom.js';
import { parseProcStatBytes, type ProcStat } from '../parse/stat.js';
import type { PidEntry } from './entry.js';
import { must } from './fds.js';
import type { ReadBuffer } from './read-buffer.js';
import type { ProcessIdentity } from './scan-types.js';
import type { SlowFields } from './slow-fields.js';

interface ConfirmIo {
  small: ReadBuffer;
  slow: SlowFields;
  /** A small file through its held fd, or by path (a process beyond the fd budget). */
  readSmall(fd: number, file: string, e: PidEntry): number;
}

/**
 * True when the process is still the one the scan saw (starttime, comm), not a kernel
 * thread, not exiting or a zombie, without a pending SIGKILL, at the same uid and adj.
 * Never throws: a process gone or unreadable is not confirmed.
 */
export function confirmEntry(e: PidEntry, id: ProcessIdentity, io: ConfirmIo): boolean {
  try {
    const old = e.stat as ProcStat;
    // By path, starttime tells a reused pid apart (the kill path checks it the same way).
    const stat = parseProcStatBytes(io.small.buf, must(io.readSmall(e.statFd, 'stat', e)));
    if (!stat || stat.startTime !== old.startTime || stat.comm !== old.comm || stat.kernelThread || stat.exiting) return false;
    if (e.statm) {
      const uid = e.uid;
      io.slow.readStatus(e, e.statm);
      if (e.sigkillPending || e.uid !== uid) return false;
    }
    if (parseOomScoreAdjBytes(io.small.buf, must(io.readSmall(e.adjFd, 'oom_score_adj', e))) !== id.oomScoreAdj) return false;
    e.stat = stat;
    return true;
  } catch {
    return false; // gone (GONE_SIGNAL) or unreadable: the scan's view no longer holds
  }
}
