// The virtual kernel's scope directories: what src/kernel/scope-attrs.ts reads from each
// child of scope_root on a real host — systemd-oomd's xattrs and memory.current — for the
// scopes of one virtual domain. memory.current is what the scope's processes hold in RAM
// (anon, mapped file, shmem): like the kernel's, it leaves out their swap; the domain's
// unmapped page cache belongs to no scope.
import type { ScopeAttrs } from '../../model/snapshot.js';
import { scopeRootPath } from '../../model/cgroup-path.js';
import type { ScopeSpec } from '../scenario/types.js';
import type { SimProcess } from './process.js';

export interface SimScopes {
  /** scope_root, as the domain's settings name it. */
  root: string;
  /** [[scope]] tables of this domain. */
  specs: readonly ScopeSpec[];
}

/** The directory of scope_root's child holding a cgroup2 path, or undefined outside the root. */
function scopeDirOf(path: string | undefined, prefix: string): string | undefined {
  if (path === undefined || !path.startsWith(prefix) || path.length === prefix.length) return undefined;
  const end = path.indexOf('/', prefix.length);
  return end < 0 ? path : path.slice(0, end);
}

/** Every scope directory with a process in it or a [[scope]] table, in path order. */
export function scopeAttrs(present: readonly SimProcess[], scopes: SimScopes): ScopeAttrs[] {
  const rootPath = scopeRootPath(scopes.root);
  const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
  const current = new Map<string, number>();
  for (const s of scopes.specs) current.set(`${prefix}${s.name}`, 0);
  for (const p of present) {
    const dir = scopeDirOf(p.cgroupV2, prefix);
    if (dir !== undefined) current.set(dir, (current.get(dir) ?? 0) + p.residentKiB());
  }
  const bySpec = new Map(scopes.specs.map((s) => [`${prefix}${s.name}`, s]));
  return [...current.keys()].sort().map((path) => {
    const spec = bySpec.get(path);
    const attrs: ScopeAttrs = { path };
    if (spec?.oomdAvoid) attrs.oomdAvoid = true;
    if (spec?.oomdOmit) attrs.oomdOmit = true;
    if (spec?.memoryCurrent !== false) attrs.memoryCurrentKiB = current.get(path) ?? 0;
    return attrs;
  });
}
