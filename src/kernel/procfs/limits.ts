// How many fds the scanner may keep open. Node raises RLIMIT_NOFILE's soft limit to the
// hard limit at startup, so the soft value read here is what we have; going above the
// hard limit needs CAP_SYS_RESOURCE and is left to the service manager (LimitNOFILE=).
import { readFileSync } from 'node:fs';

export interface FdLimit {
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

/**
 * The scanner's share of the fd limit: everything but a quarter (at least 1024) kept for
 * the daemon's own fds (PSI triggers, pidfds, sockets, the journal).
 */
export function defaultFdBudget(limit: FdLimit | undefined = readOpenFilesLimit()): number {
  if (!limit) return 0;
  const reserve = Math.max(1024, Math.floor(limit.soft / 4));
  return Math.max(0, limit.soft - reserve);
}
