// A process's cgroup2 path, read from /proc/PID/cgroup — the "0::" line, e.g.
//   0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1234.scope
// For D-Bus Killed's "scope" (which app it was). "" when there is no such line.
import { readFile } from 'node:fs/promises';

export function cgroupV2Path(procCgroup: string): string {
  const line = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3).trim() : '';
}

/** Rejects when the process is gone (ENOENT, ESRCH). */
export async function readCgroupV2Path(pid: number, procRoot = '/proc'): Promise<string> {
  return cgroupV2Path(await readFile(`${procRoot}/${pid}/cgroup`, 'utf8'));
}
