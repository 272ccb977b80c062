// What the watchdog thread reads to decide that memory is critically low: cheap,
// synchronous reads of one or two files, no process scan.
//   machine:   /proc/meminfo MemAvailable vs MemTotal
//   memcg v1:  limit_in_bytes − usage_in_bytes + total_inactive_file (memory.stat): page
//              cache the kernel can drop is not a shortage — a v1 group sits at its limit
//              whenever its cache fills it
//   cgroup2:   memory.max − memory.current + inactive_file, where the group has a memory
//              controller; otherwise the machine's numbers
// A limit of "max" or the v1 page-counter maximum (9223372036854771712) means no limit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DomainMemory {
  /** KiB that can still be allocated before the domain is out of memory. */
  headroomKiB: number;
  /** The domain's size (MemTotal, or the cgroup's limit), KiB. */
  sizeKiB: number;
  /** One phrase for logs: "memcg /sys/fs/cgroup/memory/x: 0 KiB of 65536 KiB left". */
  describe: string;
}

export interface WatchdogThresholds {
  /** Critical below this much headroom, KiB. */
  headroomBelowKiB?: number;
  /** Critical below this percentage of the domain's size (default 5). */
  headroomBelowPercent?: number;
}

const NO_LIMIT_BYTES = 2 ** 62;

function readNumberFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === 'max') return Infinity;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function statField(text: string, field: string): number {
  const m = new RegExp(`^${field} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** MemTotal and MemAvailable from /proc/meminfo (KiB). */
export function parseMeminfo(text: string): { totalKiB: number; availableKiB: number } | undefined {
  const total = /^MemTotal:\s+(\d+) kB$/m.exec(text);
  const avail = /^MemAvailable:\s+(\d+) kB$/m.exec(text);
  if (!total || !avail) return undefined;
  return { totalKiB: Number(total[1]), availableKiB: Number(avail[1]) };
}

export function machineMemory(procRoot = '/proc'): DomainMemory {
  const m = parseMeminfo(readFileSync(join(procRoot, 'meminfo'), 'utf8'));
  if (!m) throw new Error(`${procRoot}/meminfo lacks MemTotal/MemAvailable`);
  return { headroomKiB: m.availableKiB, sizeKiB: m.totalKiB, describe: `machine: MemAvailable ${m.availableKiB} KiB of ${m.totalKiB} KiB` };
}

/** A cgroup domain's memory, or undefined when the directory has no memory files. */
export function cgroupMemory(path: string): DomainMemory | undefined {
  const v1 = existsSync(join(path, 'memory.usage_in_bytes'));
  const usage = readNumberFile(join(path, v1 ? 'memory.usage_in_bytes' : 'memory.current'));
  const limit = readNumberFile(join(path, v1 ? 'memory.limit_in_bytes' : 'memory.max'));
  if (usage === undefined || limit === undefined || limit >= NO_LIMIT_BYTES) return undefined;
  let inactiveFile = 0;
  try {
    inactiveFile = statField(readFileSync(join(path, 'memory.stat'), 'utf8'), v1 ? 'total_inactive_file' : 'inactive_file');
  } catch {
    /* no stat: count every byte as used */
  }
  const headroomKiB = Math.floor((limit - usage + inactiveFile) / 1024);
  const sizeKiB = Math.floor(limit / 1024);
  return { headroomKiB, sizeKiB, describe: `memcg ${path}: ${headroomKiB} KiB of ${sizeKiB} KiB left` };
}

/** The domain's memory: the cgroup's when it has a limit, else the machine's. */
export function domainMemory(memcg: string | undefined): DomainMemory {
  const cg = memcg === undefined ? undefined : cgroupMemory(memcg);
  if (cg) return cg;
  const m = machineMemory();
  return memcg === undefined ? m : { ...m, describe: `${m.describe} (cgroup ${memcg} has no limit)` };
}

/** The headroom under which memory is critical. */
export function criticalHeadroomKiB(mem: DomainMemory, t: WatchdogThresholds): number {
  if (t.headroomBelowKiB !== undefined) return t.headroomBelowKiB;
  return (mem.sizeKiB * (t.headroomBelowPercent ?? 5)) / 100;
}

export function isCritical(mem: DomainMemory, t: WatchdogThresholds): boolean {
  return mem.headroomKiB < criticalHeadroomKiB(mem, t);
}
