// How much a domain can still allocate, read cheaply and synchronously (one or two small
// files, no process scan) for the watchdog thread, which must decide "critically low"
// while the main loop is stalled:
//   machine:   /proc/meminfo MemAvailable vs MemTotal
//   memcg v1:  limit_in_bytes − usage_in_bytes + total_inactive_file (memory.stat): page
//              cache the kernel can drop is not a shortage — a v1 group sits at its limit
//              whenever its cache fills it
//   cgroup2:   memory.max − memory.current + inactive_file, where the group has a memory
//              controller; otherwise the machine's numbers
// A limit of "max" or the v1 page-counter maximum (9223372036854771712) means no limit
// (parseMemcgLimit). The text is parsed by src/kernel/parse, as everywhere else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMemAvailable } from '../parse/meminfo.js';
import { parseMemcgBytes, parseMemcgLimit, parseMemcgStat } from '../parse/memcg.js';

export interface DomainMemory {
  /** KiB that can still be allocated before the domain is out of memory. */
  headroomKiB: number;
  /** The domain's size (MemTotal, or the cgroup's limit), KiB. */
  sizeKiB: number;
  /** One phrase for logs: "memcg /sys/fs/cgroup/memory/x: 0 KiB of 65536 KiB left". */
  describe: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function machineMemory(procRoot = '/proc'): DomainMemory {
  const m = parseMemAvailable(readFileSync(join(procRoot, 'meminfo'), 'utf8'));
  if (!m) throw new Error(`${procRoot}/meminfo lacks MemTotal/MemAvailable`);
  return { headroomKiB: m.availableKiB, sizeKiB: m.totalKiB, describe: `machine: MemAvailable ${m.availableKiB} KiB of ${m.totalKiB} KiB` };
}

/** A cgroup domain's memory, or undefined when the directory has no memory files or no limit. */
export function cgroupMemory(path: string): DomainMemory | undefined {
  const v1Usage = readText(join(path, 'memory.usage_in_bytes'));
  const v1 = v1Usage !== undefined;
  const usageText = v1 ? v1Usage : readText(join(path, 'memory.current'));
  const limitText = readText(join(path, v1 ? 'memory.limit_in_bytes' : 'memory.max'));
  const usage = usageText === undefined ? undefined : parseMemcgBytes(usageText);
  const limit = limitText === undefined ? undefined : parseMemcgLimit(limitText);
  if (usage === undefined || limit === undefined || limit === null) return undefined;
  // No memory.stat: count every byte as used.
  const stat = parseMemcgStat(readText(join(path, 'memory.stat')) ?? '');
  const inactiveFile = stat.get(v1 ? 'total_inactive_file' : 'inactive_file') ?? 0;
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
