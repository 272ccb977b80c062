// Which scope each process belongs to: the child of scope_root that contains its cgroup2
// path. A process outside scope_root (or in scope_root itself, where cgroup2's
// no-internal-processes rule still allows the root) is a scope of its own, "pid:N".
import type { ProcessInfo, Snapshot } from '../../model/snapshot.js';
import { scopeRootPath } from '../../model/cgroup-path.js';


export interface ScopeGroup {
  path: string;
  members: ProcessInfo[];
  /** A real cgroup (a child of scope_root), not a single process outside it. */
  cgroup: boolean;
}


/** "/apps/leak.scope/sub" under root "/apps" -> "/apps/leak.scope"; undefined outside the root. */
export function scopeOfPath(cgroupV2: string | undefined, rootPath: string): string | undefined {
  if (cgroupV2 === undefined) return undefined;
  const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
  if (!cgroupV2.startsWith(prefix) || cgroupV2.length === prefix.length) return undefined;
  const end = cgroupV2.indexOf('/', prefix.length);
  return end < 0 ? cgroupV2 : cgroupV2.slice(0, end);
}

export function scopeOf(p: ProcessInfo, rootPath: string): string {
  return scopeOfPath(p.cgroupV2, rootPath) ?? `pid:${p.pid}`;
}

/** Every process of the snapshot grouped by scope, in first-seen order. */
export function groupByScope(snapshot: Snapshot, root: string): ScopeGroup[] {
  const rootPath = scopeRootPath(root);
  const groups = new Map<string, ScopeGroup>();
  for (const p of snapshot.processes) {
    const inside = scopeOfPath(p.cgroupV2, rootPath);
    const path = inside ?? `pid:${p.pid}`;
    const g = groups.get(path);
    if (g) g.members.push(p);
    else groups.set(path, { path, members: [p], cgroup: inside !== undefined });
  }
  return [...groups.values()];
}
