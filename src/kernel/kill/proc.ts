// The few /proc facts the kill path needs, parsed from text (total functions: a record
// or undefined, never a throw) and read through KillSys (a vanished process is data).
import { errorCode } from '../sys/errors.js';
import type { KillSys } from './kill-sys.js';

/** PF_KTHREAD in /proc/PID/stat flags (field 9). */
export const PF_KTHREAD = 0x00200000;

export interface StatIdentity {
  /** Field 22, clock ticks since boot: with the pid, the identity of a process. */
  startTime: number;
  /** Field 3: R S D Z T t X I … */
  state: string;
  /** Field 9. */
  flags: number;
}

/**
 * Parse /proc/PID/stat. comm (field 2) may hold spaces, parentheses and newlines
 * ("1234 (a) b (c) S 1 …"), so fields are counted from the LAST ')'.
 */
export function parseStatIdentity(text: string): StatIdentity | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field N is f[N - 3].
  const state = f[0];
  const flags = Number(f[6]);
  const startTime = Number(f[19]);
  if (!state || !Number.isInteger(flags) || !Number.isInteger(startTime) || f[19] === '') return undefined;
  return { startTime, state, flags };
}

export function isGone(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Stat identity of a pid, or undefined when it is gone (ENOENT/ESRCH) or unreadable. */
export function readStatIdentity(sys: KillSys, pid: number): StatIdentity | undefined {
  try {
    return parseStatIdentity(sys.readProc(pid, 'stat'));
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

/** oom_score_adj, or undefined when the process is gone. */
export function readOomScoreAdj(sys: KillSys, pid: number): number | undefined {
  try {
    const n = Number(sys.readProc(pid, 'oom_score_adj').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

/**
 * The v1 freezer path from /proc/PID/cgroup ("6:freezer:/user/app" -> "/user/app"), or
 * undefined when there is no v1 freezer line.
 */
export function parseFreezerPath(cgroupText: string): string | undefined {
  for (const line of cgroupText.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second).split(',');
    if (controllers.includes('freezer')) return line.slice(second + 1);
  }
  return undefined;
}

/** Mount point of the cgroup v1 freezer hierarchy from /proc/self/mounts text. */
export function parseFreezerMount(mountsText: string): string | undefined {
  for (const line of mountsText.split('\n')) {
    const [, mountPoint, fsType, options] = line.split(' ');
    if (fsType !== 'cgroup' || !mountPoint || !options) continue;
    if (options.split(',').includes('freezer')) return mountPoint.replace(/\\040/g, ' ');
  }
  return undefined;
}
