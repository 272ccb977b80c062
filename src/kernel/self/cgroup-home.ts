// reapd's own memory cgroup ("home"): the group whose limits keep the daemon's memory
// resident (memory.swap.max = 0, memory.min on cgroup2; memory.swappiness = 0 on v1),
// found or made at start. mlockall is no answer (V8 aborts, kernel-interfaces §5.1), and
// issue 20 measured 21–32 MiB of reapd's ~40 MiB of anon memory in zram within 8 s of a
// leak's start without it.
//
// Where reapd lives decides what is possible:
// - already alone in a non-root group (systemd's reapd.service, a container of its own):
//   that group is home;
// - cgroup2, sharing a group with other processes: a non-root group with processes cannot
//   give its children controllers (the no-internal-processes rule: writing "+memory" to
//   its cgroup.subtree_control is EBUSY), so home is a new sibling, PARENT/reapd; in the
//   root group (exempt from the rule) it is /reapd;
// - cgroup v1 (no such rule): a new child, OWN/reapd, which stays inside the limits of
//   the group reapd was started in.
// Writing the pid to cgroup.procs moves every thread of the process. Pages already
// charged stay with the old group (neither hierarchy moves charges by default), so the
// caller re-executes (same pid) after a move: the new image's memory is charged to home.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseProcCgroup } from '../parse/cgroup.js';
import { parseCgroupProcs } from '../parse/memcg.js';
import { parseMountinfo, type Mount } from '../parse/mountinfo.js';
import { errorCode } from '../sys/errors.js';

type MemoryHierarchy = 'cgroup2' | 'cgroup-v1';

/** Where the memory controller is and where a process sits in it. */
export interface MemoryHierarchyView {
  hierarchy: MemoryHierarchy;
  /** Mount point, e.g. /sys/fs/cgroup (cgroup2) or /sys/fs/cgroup/memory (v1). */
  mount: string;
  /** The mount's root inside the hierarchy ("/" unless a subtree is bind-mounted). */
  mountRoot: string;
  /** The process's group, as /proc/PID/cgroup names it. */
  path: string;
}

export interface CgroupHome extends MemoryHierarchyView {
  /** The directory of the group. */
  dir: string;
  /** reapd made the group (at this start or before its re-exec). */
  created: boolean;
  /** The group reapd left for it (path), when it moved. */
  movedFrom?: string;
}

type HomeResult =
  | { ok: true; home: CgroupHome; message: string }
  | { ok: false; errno?: string; message: string; warning: string; view?: MemoryHierarchyView };

/** Carries "reapd made this group and came from there" across the re-exec. */
export const HOME_ENV = 'REAPD_SELF_CGROUP';

const HOME_NAME = 'reapd';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function controllersOf(dir: string): string[] {
  return (readText(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
}

/** The directory of a group path under a mount whose root may be a subtree. */
export function groupDir(view: Pick<MemoryHierarchyView, 'mount' | 'mountRoot'>, path: string): string {
  const root = view.mountRoot === '/' ? '' : view.mountRoot;
  const rel = root !== '' && path.startsWith(root) ? path.slice(root.length) : path;
  return join(view.mount, rel);
}

/**
 * The hierarchy that has the memory controller, and PID's group in it: cgroup2 when its
 * root lists "memory" (a modern host), else the v1 memory mount (our hybrid machines).
 */
export function memoryHierarchyOf(pid: number | 'self' = 'self', mountinfo = readText('/proc/self/mountinfo') ?? ''): MemoryHierarchyView | string {
  const mounts: Mount[] = parseMountinfo(mountinfo);
  const cgroups = parseProcCgroup(readText(`/proc/${pid}/cgroup`) ?? '');
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  if (v2 && controllersOf(v2.mountPoint).includes('memory') && cgroups?.v2 !== undefined) {
    return { hierarchy: 'cgroup2', mount: v2.mountPoint, mountRoot: v2.root, path: cgroups.v2 };
  }
  const v1 = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('memory'));
  if (v1 && cgroups?.memoryV1 !== undefined) {
    return { hierarchy: 'cgroup-v1', mount: v1.mountPoint, mountRoot: v1.root, path: cgroups.memoryV1 };
  }
  if (v2) return `cgroup2 at ${v2.mountPoint} has no memory controller (cgroup.controllers: ${controllersOf(v2.mountPoint).join(' ') || 'none'}) and no v1 memory hierarchy is mounted`;
  return 'no memory cgroup hierarchy is mounted';
}

function procsOf(dir: string): number[] | undefined {
  const text = readText(join(dir, 'cgroup.procs'));
  return text === undefined ? undefined : parseCgroupProcs(text);
}

/**
 * A non-root group holding this process alone. In a container with its own cgroup
 * namespace the container's group reads as "/" but is no root: cgroup2's true root has
 * no memory.max, any other group has one.
 */
export function isDedicated(view: MemoryHierarchyView, pid: number): boolean {
  const dir = groupDir(view, view.path);
  const looksRoot = view.path === '/' || view.path === view.mountRoot;
  if (looksRoot && !(view.hierarchy === 'cgroup2' && existsSync(join(dir, 'memory.max')))) return false;
  const procs = procsOf(dir);
  return procs !== undefined && procs.length > 0 && procs.every((p) => p === pid);
}

/** What the environment says reapd made before its re-exec: {path, from}. */
function inherited(view: MemoryHierarchyView): { from: string } | undefined {
  try {
    const v = JSON.parse(process.env[HOME_ENV] ?? '') as { path?: unknown; from?: unknown; hierarchy?: unknown };
    if (v.path === view.path && v.hierarchy === view.hierarchy && typeof v.from === 'string') return { from: v.from };
  } catch {
    /* absent or not ours */
  }
  return undefined;
}

/** The parent a new home goes under, or why there is none (see the file comment). */
function homeParent(view: MemoryHierarchyView): { parent: string } | { why: string } {
  if (view.hierarchy === 'cgroup-v1') return { parent: view.path };
  const atRoot = view.path === '/' || view.path === view.mountRoot;
  const parent = atRoot ? view.path : dirname(view.path);
  const subtree = (readText(join(groupDir(view, parent), 'cgroup.subtree_control')) ?? '').split(/\s+/);
  if (!subtree.includes('memory')) {
    return { why: `${parent} does not enable the memory controller for its children (cgroup.subtree_control: ${subtree.join(' ').trim() || 'empty'})` };
  }
  return { parent };
}

/** PARENT/reapd, or PARENT/reapd-PID when another live process holds that one. */
function homeName(view: MemoryHierarchyView, parent: string, pid: number): string {
  const plain = join(parent, HOME_NAME);
  const procs = procsOf(groupDir(view, plain));
  return procs === undefined || procs.every((p) => p === pid) ? plain : join(parent, `${HOME_NAME}-${pid}`);
}

function failure(e: unknown, what: string, view: MemoryHierarchyView): HomeResult {
  const errno = errorCode(e) ?? 'EIO';
  return {
    ok: false, errno, view,
    message: `${what}: ${errno}`,
    warning:
      'reapd shares a memory cgroup with other processes, so the kernel may swap its memory out under pressure: ' +
      'run it in a group of its own (systemd: contrib/systemd/reapd.service; docs/triggers.md, "Self-protection")',
  };
}

export type HomePlan =
  | { kind: 'use'; path: string; made?: { from: string } }
  | { kind: 'create'; path: string }
  | { kind: 'impossible'; why: string };

/** Where reapd's home is or would be, without touching anything (`reapd doctor` shows it). */
export function planHome(view: MemoryHierarchyView, pid: number): HomePlan {
  if (isDedicated(view, pid)) {
    const made = inherited(view);
    return { kind: 'use', path: view.path, ...(made ? { made } : {}) };
  }
  const parent = homeParent(view);
  if ('why' in parent) return { kind: 'impossible', why: parent.why };
  return { kind: 'create', path: homeName(view, parent.parent, pid) };
}

/** Create home and move this whole process there (every thread: cgroup.procs). */
function moveToNewHome(view: MemoryHierarchyView, path: string, pid: number): HomeResult {
  const dir = groupDir(view, path);
  try {
    if (!existsSync(dir)) mkdirSync(dir);
  } catch (e) {
    return failure(e, `cannot create ${dir}`, view);
  }
  try {
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  } catch (e) {
    try {
      rmdirSync(dir);
    } catch {
      /* another process got in meanwhile: leave it */
    }
    return failure(e, `cannot move pid ${pid} into ${dir}`, view);
  }
  const home: CgroupHome = { ...view, path, dir, created: true, movedFrom: view.path };
  return { ok: true, home, message: `moved into ${path} (${view.hierarchy}; created, left ${view.path})` };
}

/**
 * Find or make reapd's own memory cgroup and move this process there. Idempotent: after
 * the re-exec it finds the group it made (HOME_ENV says so) and reports it again.
 */
export function enterOwnCgroup(pid = process.pid): HomeResult {
  const view = memoryHierarchyOf();
  if (typeof view === 'string') {
    return { ok: false, message: view, warning: 'no memory cgroup: reapd\'s memory can be swapped out and reclaimed like any process\'s' };
  }
  const plan = planHome(view, pid);
  if (plan.kind === 'impossible') {
    return {
      ok: false, view, message: `cannot make a memory cgroup of its own: ${plan.why}`,
      warning: 'reapd\'s memory may be swapped out under pressure: run it in a group of its own (systemd: contrib/systemd/reapd.service)',
    };
  }
  if (plan.kind === 'create') return moveToNewHome(view, plan.path, pid);
  const made = plan.made;
  const home: CgroupHome = { ...view, dir: groupDir(view, view.path), created: made !== undefined, ...(made ? { movedFrom: made.from } : {}) };
  const message = made ? `in ${view.path} (${view.hierarchy}; created at start, left ${made.from})` : `already alone in ${view.path} (${view.hierarchy})`;
  return { ok: true, home, message };
}

/** The value of HOME_ENV that lets the re-executed image recognise its home. */
export function homeEnv(home: CgroupHome): string {
  return JSON.stringify({ hierarchy: home.hierarchy, path: home.path, from: home.movedFrom ?? home.path });
}

/**
 * At a clean stop: move back to the group reapd came from and remove the one it made, so
 * nothing is left behind. Returns what happened, for the log.
 */
export function leaveOwnCgroup(home: CgroupHome, pid = process.pid): string {
  if (!home.created || home.movedFrom === undefined) return `${home.path} stays (not made by reapd)`;
  try {
    writeFileSync(join(groupDir(home, home.movedFrom), 'cgroup.procs'), String(pid));
    rmdirSync(home.dir);
    return `moved back to ${home.movedFrom}, removed ${home.path}`;
  } catch (e) {
    return `could not remove ${home.path}: ${errorCode(e) ?? String(e)}`;
  }
}
