// Memory cgroup files, v1 and v2.
//   v1 memory.usage_in_bytes "67633152"   memory.limit_in_bytes "268435456"
//      "9223372036854771712" = PAGE_COUNTER_MAX pages in bytes: no limit (4 KiB pages;
//      other page sizes round LONG_MAX down to their own multiple).
//      memory.stat "total_cache 4096" (hierarchical) and "cache 4096" (this group only).
//   v2 memory.current "52428800"   memory.max "max"   memory.stat "file 8388608".

const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;

/** A v1 limit at or above this (LONG_MAX rounded down to a 64 KiB page) means "no limit". */
const V1_UNLIMITED_BYTES = 0x7fffffffffff0000n;

/** A byte counter (usage_in_bytes, memory.current). Total: undefined for anything else. */
export function parseMemcgBytes(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * A limit (v1 memory.limit_in_bytes, v2 memory.max / memory.high): bytes, or null for
 * "no limit" ("max", or the v1 page-counter maximum). Undefined when not a limit.
 */
export function parseMemcgLimit(text: string): number | null | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === 'max') return null;
  if (!/^\d+$/.test(t) || t.length > 30) return undefined;
  if (BigInt(t) >= V1_UNLIMITED_BYTES) return null;
  return Number(t);
}

/** memory.stat "key value" lines into a map. Total: an empty map for junk. */
export function parseMemcgStat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  if (typeof text !== 'string') return out;
  const re = /^([a-z0-9_]+) (\d+)[ \t]*$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.set(m[1] as string, Number(m[2]));
  return out;
}

/**
 * Page cache charged to the group, bytes: v2 "file"; v1 "total_cache" (includes
 * descendants, like usage_in_bytes does) or "cache" when hierarchy is off.
 */
export function memcgFileBytes(stat: ReadonlyMap<string, number>): number | undefined {
  return stat.get('file') ?? stat.get('total_cache') ?? stat.get('cache');
}

/**
 * cgroup.procs from bytes ("1234\n5678\n"), without making a string: a domain of
 * thousands of processes lists them at every pressure event. Lines that are not a
 * positive integer are skipped.
 */
export function parseCgroupProcsBytes(bytes: Uint8Array, length = bytes.length): number[] {
  const end = Math.min(length, bytes.length);
  const out: number[] = [];
  let value = 0;
  let digits = 0;
  let bad = false;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? (bytes[i] as number) : NEWLINE;
    if (c === NEWLINE) {
      if (digits > 0 && !bad && value > 0 && Number.isSafeInteger(value)) out.push(value);
      value = 0;
      digits = 0;
      bad = false;
    } else if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      digits++;
    } else bad = true;
  }
  return out;
}

/** cgroup.procs: one pid per line. Total: junk lines are skipped. */
export function parseCgroupProcs(text: string): number[] {
  return typeof text === 'string' ? parseCgroupProcsBytes(Buffer.from(text, 'utf8')) : [];
}

/**
 * cgroup2 memory.events counters (hierarchical: this group and its descendants), e.g.
 *   "low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n" (6.12).
 * high: reclaims because usage went over memory.high (the group is throttled, never
 * OOM-killed there); max: usage hit memory.max and direct reclaim ran; oom: reclaim at
 * max failed; oom_kill: the kernel's OOM killer killed a process in the group.
 * Total: undefined unless every one of high, max, oom and oom_kill is there.
 */
export interface MemoryEvents {
  low: number;
  high: number;
  max: number;
  oom: number;
  oomKill: number;
}

export function parseMemoryEvents(text: string): MemoryEvents | undefined {
  const s = parseMemcgStat(text);
  const high = s.get('high');
  const max = s.get('max');
  const oom = s.get('oom');
  const oomKill = s.get('oom_kill');
  if (high === undefined || max === undefined || oom === undefined || oomKill === undefined) return undefined;
  return { low: s.get('low') ?? 0, high, max, oom, oomKill };
}
