// How many fds the scanner may keep open. Node raises RLIMIT_NOFILE's soft limit to the
// hard limit at startup; going above the hard limit needs CAP_SYS_RESOURCE, which a
// daemon started by a service manager as root usually has (raiseOpenFilesLimit), and
// which this project's machines lack (EPERM: the scanner then makes do).
import { readFileSync } from 'node:fs';
import { errorCode } from '../sys/errors.js';
import { getRlimit, RLIMIT_NOFILE, setRlimit } from '../sys/rlimit.js';

interface FdLimit {
  soft: number;
  hard: number;
}

/** "Max open files            20000                20000                files" */
export function parseOpenFilesLimit(limitsText: string): FdLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limitsText);
  if (!m) return undefined;
  const n = (v: string | undefined): number => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: n(m[1]), hard: n(m[2]) };
}

export function readOpenFilesLimit(): FdLimit | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Fds kept free for everything else in the process: the kill path's pidfds, PSI triggers, sockets, the journal. */
export function fdReserve(limit: FdLimit): number {
  return limit.soft >= 4096 ? 1024 : Math.floor(limit.soft / 4);
}

/**
 * The highest fd number a held /proc fd may have. POSIX hands out the lowest free fd
 * number, so an fd at or above this means the process (any thread, any scanner) already
 * holds about that many fds: the scanner then stops holding more. 0 when unknown.
 */
export function fdCeiling(limit: FdLimit | undefined = readOpenFilesLimit()): number {
  return limit ? Math.max(0, limit.soft - fdReserve(limit)) : 0;
}

/** The scanner's default fd budget: everything below the ceiling. */
export function defaultFdBudget(limit: FdLimit | undefined = readOpenFilesLimit()): number {
  return fdCeiling(limit);
}

/**
 * Make room for `wantFds` open files: the soft limit up to the hard limit, and past it up
 * to fs.nr_open when the process has CAP_SYS_RESOURCE. Returns the limit now in force
 * and, when the hard limit could not be raised, why.
 */
export function raiseOpenFilesLimit(wantFds: number): { limit: FdLimit; error?: string } {
  const cur = getRlimit(RLIMIT_NOFILE);
  const want = BigInt(Math.ceil(wantFds));
  let error: string | undefined;
  if (cur.soft < want) {
    const nrOpen = BigInt(Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1048576);
    const target = want < nrOpen ? want : nrOpen;
    try {
      setRlimit(RLIMIT_NOFILE, { soft: target, hard: target > cur.hard ? target : cur.hard });
    } catch (e) {
      error = errorCode(e) ?? String(e);
      if (cur.soft < cur.hard) setRlimit(RLIMIT_NOFILE, { soft: cur.hard, hard: cur.hard });
    }
  }
  const now = getRlimit(RLIMIT_NOFILE);
  const n = (v: bigint): number => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  return error === undefined ? { limit: { soft: n(now.soft), hard: n(now.hard) } } : { limit: { soft: n(now.soft), hard: n(now.hard) }, error };
}
