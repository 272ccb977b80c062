// What the scope stage needs from each scope's cgroup2 directory (a child of scope_root):
// systemd-oomd's user.oomd_avoid / user.oomd_omit xattrs and, where the memory controller
// is enabled, memory.current. One readdir plus two getxattr calls and one small read per
// scope at each scan.
import { readdirSync, readFileSync } from 'node:fs';
import type { ScopeAttrs } from '../model/snapshot.js';
import { scopeRootPath } from '../model/cgroup-path.js';
import { getxattr } from './sys/xattr.js';

/** systemd writes "1" (cg_set_xattr_bool); parse_boolean() also takes these. */
const TRUE_VALUES = new Set(['1', 'y', 'yes', 'true', 'on']);

function flag(dir: string, name: string): boolean {
  try {
    const v = getxattr(dir, name);
    return v !== undefined && TRUE_VALUES.has(v.trim().toLowerCase());
  } catch {
    // ENOENT: the scope went away between readdir and here.
    return false;
  }
}

/** memory.current in KiB ("629145600\n" -> 614400), or undefined without the memory controller. */
function memoryCurrentKiB(dir: string): number | undefined {
  try {
    const bytes = Number(readFileSync(`${dir}/memory.current`, 'latin1').trim());
    return Number.isFinite(bytes) ? Math.round(bytes / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The attributes of every child of the scope root (absolute directory). Never throws: a missing root has no scopes. */
export function readScopeAttrs(rootDir: string): ScopeAttrs[] {
  let names: string[];
  try {
    names = readdirSync(rootDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const rootPath = scopeRootPath(rootDir);
  const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
  return names.map((name) => {
    const dir = `${rootDir}/${name}`;
    const attrs: ScopeAttrs = { path: `${prefix}${name}` };
    if (flag(dir, 'user.oomd_avoid')) attrs.oomdAvoid = true;
    if (flag(dir, 'user.oomd_omit')) attrs.oomdOmit = true;
    const current = memoryCurrentKiB(dir);
    if (current !== undefined) attrs.memoryCurrentKiB = current;
    return attrs;
  });
}
