// Cgroup paths as a configuration names them. One spelling per group ("/sys/fs/cgroup/a"
// and "/sys/fs/cgroup/a/" once made two domains over the same processes), and a path that
// is no cgroup directory is a configuration error found before any start-up work (today's
// `run --memcg /nonexistent` locked 88 MiB and started the real-time thread first).
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';

/** "/a//b/" -> "/a/b"; "/" stays "/". */
export function normalizeCgroupPath(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Why `path` is not a cgroup directory (v1 or cgroup2: both have cgroup.procs), or undefined. */
export function cgroupDirProblem(path: string): string | undefined {
  if (!existsSync(path)) return `${path} does not exist`;
  if (!existsSync(join(path, 'cgroup.procs'))) return `${path} is not a cgroup directory (it has no cgroup.procs)`;
  return undefined;
}
