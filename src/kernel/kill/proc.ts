// The few /proc facts the kill path needs, parsed from text (total functions: a record
// or undefined, never a throw) and read through KillSys (a vanished process is data).
import { errorCode } from '../sys/errors.js';
import { parseOomScoreAdj } from '../parse/oom.js';
import { parseProcStat, type ProcStat } from '../parse/stat.js';
import type { KillSys } from './kill-sys.js';

/** What the kill path needs of /proc/PID/stat (parsed by the one stat parser, parse/stat.ts). */
type StatIdentity = Pick<ProcStat, 'startTime' | 'state' | 'flags'>;

export function isGone(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Stat identity of a pid, or undefined when it is gone (ENOENT/ESRCH) or unreadable. */
export function readStatIdentity(sys: KillSys, pid: number): StatIdentity | undefined {
  try {
    return parseProcStat(sys.readProc(pid, 'stat'));
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

/** oom_score_adj, or undefined when the process is gone. */
export function readOomScoreAdj(sys: KillSys, pid: number): number | undefined {
  try {
    return parseOomScoreAdj(sys.readProc(pid, 'oom_score_adj'));
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
