// The memory domain a snapshot covers: the whole machine, or one cgroup with a limit.
import type { CgroupMemory, ProcessInfo } from '../model/snapshot.js';
import { eitherCgroupUnder } from './protection.js';
import { domainCgroupPath } from '../model/cgroup-path.js';

export { domainCgroupPath };

/**
 * Whether a process belongs to the domain. A process that carries no cgroup fields is
 * taken to be inside (the scanner put it in the domain's snapshot); one that carries them
 * must sit at or under the domain's path in its v1 memory or its cgroup2 hierarchy.
 */
export function inDomain(p: ProcessInfo, cgroup: CgroupMemory | undefined): boolean {
  return cgroup === undefined || inDomainPath(p, domainCgroupPath(cgroup.path));
}

/** inDomain with the domain's path as /proc/PID/cgroup names it (domainCgroupPath, computed once per snapshot). */
export function inDomainPath(p: ProcessInfo, domainPath: string): boolean {
  if (p.memcgV1 === undefined && p.cgroupV2 === undefined) return true;
  return eitherCgroupUnder(domainPath, p);
}

/** A cgroup with a limit is its own memory domain; without one, the machine's numbers apply. */
export function limitedCgroup(cgroup: CgroupMemory | undefined): (CgroupMemory & { limitKiB: number }) | undefined {
  return cgroup && cgroup.limitKiB !== null ? (cgroup as CgroupMemory & { limitKiB: number }) : undefined;
}
