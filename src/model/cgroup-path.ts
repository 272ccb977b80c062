// cgroup directories as /proc/PID/cgroup names them: the policy layer matches processes
// by these paths, and the kernel layer names the scopes it reads the same way.

// Where cgroup hierarchies are mounted; a domain path under one of them is turned into
// the path /proc/PID/cgroup shows ("/sys/fs/cgroup/memory/apps" -> "/apps").
const MOUNT_PREFIXES = ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** The domain's path as /proc/PID/cgroup names it ("/" for a hierarchy root). */
export function domainCgroupPath(cgroupPath: string): string {
  for (const mount of MOUNT_PREFIXES) {
    if (cgroupPath === mount) return '/';
    if (cgroupPath.startsWith(`${mount}/`)) return cgroupPath.slice(mount.length);
  }
  return cgroupPath;
}

/** "/sys/fs/cgroup/unified/apps" -> "/apps": a scope root as /proc/PID/cgroup names it. */
export function scopeRootPath(root: string): string {
  const p = domainCgroupPath(root);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
