// A cgroup memory domain (--memcg PATH): its processes and its usage and limit.
// v1 memory directory (/sys/fs/cgroup/memory/…): memory.usage_in_bytes,
// memory.limit_in_bytes, memory.stat total_cache. cgroup2 directory: memory.current,
// memory.max, memory.stat file. Both include descendant groups, so the processes of the
// domain are those in cgroup.procs of the directory and every directory below it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupMemory } from '../../model/snapshot.js';
import { memcgFileBytes, parseCgroupProcsBytes, parseMemcgBytes, parseMemcgLimit, parseMemcgStat } from '../parse/memcg.js';
import { ProcfsError } from './errors.js';
import { GONE, ReadBuffer } from './read-buffer.js';

export type MemcgKind = 'v1' | 'v2';

interface MemcgFiles {
  usage: string;
  limit: string;
}

const FILES: Record<MemcgKind, MemcgFiles> = {
  v1: { usage: 'memory.usage_in_bytes', limit: 'memory.limit_in_bytes' },
  v2: { usage: 'memory.current', limit: 'memory.max' },
};

/** Which memory interface a cgroup directory has; throws a coded error when none. */
export function memcgKind(dir: string): MemcgKind {
  if (!existsSync(join(dir, 'cgroup.procs'))) {
    throw new ProcfsError('REAPD_MEMCG_NOT_FOUND', `${dir} is not a cgroup directory (no cgroup.procs)`);
  }
  if (existsSync(join(dir, FILES.v1.usage))) return 'v1';
  // The cgroup2 root has no memory.current; its children do when "memory" is enabled.
  if (existsSync(join(dir, FILES.v2.usage))) return 'v2';
  throw new ProcfsError(
    'REAPD_MEMCG_NO_MEMORY',
    `${dir} has no memory accounting (neither memory.usage_in_bytes nor memory.current): ` +
      'give a v1 memory cgroup or a cgroup2 group whose parent enables the memory controller',
  );
}

function readText(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

const toKiB = (bytes: number): number => Math.round(bytes / 1024);

export function readCgroupMemory(dir: string, kind: MemcgKind = memcgKind(dir)): CgroupMemory {
  const files = FILES[kind];
  const usage = parseMemcgBytes(readText(dir, files.usage));
  const limit = parseMemcgLimit(readText(dir, files.limit));
  if (usage === undefined || limit === undefined) {
    throw new ProcfsError('REAPD_MEMCG_NO_MEMORY', `${dir}: unreadable ${files.usage} or ${files.limit}`);
  }
  const out: CgroupMemory = { path: dir, usageKiB: toKiB(usage), limitKiB: limit === null ? null : toKiB(limit) };
  if (kind === 'v2') readV2Extras(dir, out);
  try {
    const file = memcgFileBytes(parseMemcgStat(readText(dir, 'memory.stat')));
    if (file !== undefined) out.fileKiB = toKiB(file);
  } catch {
    /* memory.stat is optional: usage and limit are the contract */
  }
  return out;
}

function readOptional(dir: string, file: string): string | undefined {
  try {
    return readText(dir, file);
  } catch {
    return undefined; // memory.swap.* is absent without swap accounting (swapaccount=0)
  }
}

/**
 * cgroup2: memory.high lowers the limit the headroom is measured against (the kernel
 * throttles there); memory.swap.current / memory.swap.max say how much of the group is in
 * swap (zram included) and how much more may go there.
 */
function readV2Extras(dir: string, out: CgroupMemory): void {
  const high = parseMemcgLimit(readOptional(dir, 'memory.high') ?? '');
  if (typeof high === 'number' && (out.limitKiB === null || toKiB(high) < out.limitKiB)) {
    out.maxKiB = out.limitKiB;
    out.limitKiB = toKiB(high);
  }
  const swap = parseMemcgBytes(readOptional(dir, 'memory.swap.current') ?? '');
  if (swap !== undefined) out.swapKiB = toKiB(swap);
  const swapMax = parseMemcgLimit(readOptional(dir, 'memory.swap.max') ?? '');
  if (swapMax !== undefined) out.swapLimitKiB = swapMax === null ? null : toKiB(swapMax);
}

/** Reused by every listing: cgroup.procs of a busy domain is tens of KiB. */
const procsBuffer = new ReadBuffer(65536, 64 << 20);

/** Pids in the group and all groups below it (a group removed meanwhile contributes none). */
export function listCgroupPids(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    let pids: number[];
    try {
      const n = procsBuffer.readWholePath(join(d, 'cgroup.procs'));
      if (n === GONE) return;
      pids = parseCgroupProcsBytes(procsBuffer.buf, n);
    } catch {
      return;
    }
    for (const pid of pids) out.push(pid);
    let children: string[];
    try {
      children = readdirSync(d, { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name);
    } catch {
      return;
    }
    for (const c of children) walk(join(d, c));
  };
  walk(dir);
  return out;
}
