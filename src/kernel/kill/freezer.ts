// Thawing one victim out of a cgroup v1 freezer without thawing its neighbours.
//
// A SIGKILLed task in a v1 FROZEN cgroup stays in 'D' and keeps its memory until
// thawed (kernel-interfaces §3.4). Writing THAWED to its cgroup would wake every
// neighbour too, so we move only the victim (cgroup.procs moves the whole thread group)
// into a sibling cgroup that is thawed: the freezer's attach hook makes a moved task
// conform to its new cgroup's state (measured: 'D' -> gone at once). cgroup2's freezer
// lets fatal signals through, so nothing is needed there.
import { errorCode } from '../sys/errors.js';
import { isGone, parseFreezerMount, parseFreezerPath } from './proc.js';
import type { KillSys } from './kill-sys.js';

export interface FreezerInfo {
  /** Mount point of the v1 freezer hierarchy. */
  root: string;
  /** The victim's freezer cgroup, relative to root ("/t-frz"). */
  path: string;
  /** freezer.state: THAWED, FREEZING or FROZEN. */
  state: string;
}

/** Find the v1 freezer mount (undefined where there is none, e.g. cgroup2-only hosts). */
export function findFreezerRoot(sys: KillSys): string | undefined {
  try {
    return parseFreezerMount(sys.readFile('/proc/self/mounts'));
  } catch {
    return undefined;
  }
}

/** The victim's v1 freezer cgroup and its state, or undefined (no freezer, gone, root cgroup). */
export function readFreezer(sys: KillSys, root: string | undefined, pid: number): FreezerInfo | undefined {
  if (!root) return undefined;
  try {
    const path = parseFreezerPath(sys.readProc(pid, 'cgroup'));
    // The root cgroup cannot be frozen.
    if (path === undefined || path === '/') return undefined;
    const state = sys.readFile(`${root}${path}/freezer.state`).trim();
    return { root, path, state };
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

export function isFrozen(info: FreezerInfo | undefined): boolean {
  return info !== undefined && (info.state === 'FROZEN' || info.state === 'FREEZING');
}

/** Move the victim into <root>/<thawCgroup>; returns a note for the record. */
export function thawByMoving(sys: KillSys, info: FreezerInfo, pid: number, thawCgroup: string): string {
  const target = `${info.root}/${thawCgroup}`;
  try {
    sys.ensureDir(target);
    // Someone may have frozen our thaw group; it must be THAWED for the move to help.
    if (sys.readFile(`${target}/freezer.state`).trim() !== 'THAWED') sys.writeFile(`${target}/freezer.state`, 'THAWED');
    sys.writeFile(`${target}/cgroup.procs`, String(pid));
    return `thawed: moved from ${info.path} (${info.state}) to /${thawCgroup}`;
  } catch (e) {
    if (isGone(e)) return 'thaw: already gone';
    return `thaw-failed: ${errorCode(e) ?? String(e)}`;
  }
}
