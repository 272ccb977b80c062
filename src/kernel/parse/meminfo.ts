// /proc/meminfo: "Key:   value kB" lines (a few, like HugePages_Total, have no unit).
//   MemTotal:       24684092 kB
//   MemAvailable:   24450768 kB
//   SwapTotal:             0 kB
import type { MemoryState } from '../../model/snapshot.js';

/** Every "Key: N [kB]" line as a number (KiB for kB lines, the bare count otherwise). */
export function parseMeminfoFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  if (typeof text !== 'string') return fields;
  const re = /^([A-Za-z0-9_()]+):[ \t]*(\d+)(?:[ \t]*kB)?[ \t]*$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const value = Number(m[2]);
    if (Number.isFinite(value)) fields.set(m[1] as string, value);
  }
  return fields;
}

// meminfo key for each MemoryState field (reserveKiB comes from /proc/zoneinfo).
const KEYS = {
  totalKiB: 'MemTotal',
  freeKiB: 'MemFree',
  availableKiB: 'MemAvailable',
  cachedKiB: 'Cached',
  buffersKiB: 'Buffers',
  shmemKiB: 'Shmem',
  unevictableKiB: 'Unevictable',
  swapCachedKiB: 'SwapCached',
  swapTotalKiB: 'SwapTotal',
  swapFreeKiB: 'SwapFree',
} as const satisfies Record<Exclude<keyof MemoryState, 'reserveKiB' | OptionalKey>, string>;

/** MemoryState fields that are optional (read by other readers, or only where meminfo has them). */
type OptionalKey = 'anonKiB' | 'cmaFreeKiB' | 'watermarks' | 'vmstat' | 'zram' | 'psiFullAvg10';

type MeminfoState = Omit<MemoryState, 'reserveKiB' | 'watermarks' | 'vmstat' | 'zram' | 'psiFullAvg10'>;

/**
 * The MemoryState fields from meminfo text. Total: undefined when a field is missing
 * (MemAvailable exists since Linux 3.14; everything reapd needs is newer than that).
 */
export function parseMeminfo(text: string): MeminfoState | undefined {
  const fields = parseMeminfoFields(text);
  const out: Partial<MeminfoState> = {};
  for (const [field, key] of Object.entries(KEYS) as Array<[keyof typeof KEYS, string]>) {
    const v = fields.get(key);
    if (v === undefined) return undefined;
    out[field] = v;
  }
  // lmkd's swap utilisation counts Active(anon) + Inactive(anon); CmaFree is not free to most allocations.
  const active = fields.get('Active(anon)');
  const inactive = fields.get('Inactive(anon)');
  if (active !== undefined && inactive !== undefined) out.anonKiB = active + inactive;
  const cma = fields.get('CmaFree');
  if (cma !== undefined) out.cmaFreeKiB = cma;
  return out as MeminfoState;
}

/**
 * MemTotal and MemAvailable only (KiB): what the watchdog compares, from a meminfo that
 * may lack fields the full parser requires. Total: undefined without either.
 */
export function parseMemAvailable(text: string): { totalKiB: number; availableKiB: number } | undefined {
  const fields = parseMeminfoFields(text);
  const totalKiB = fields.get('MemTotal');
  const availableKiB = fields.get('MemAvailable');
  return totalKiB === undefined || availableKiB === undefined ? undefined : { totalKiB, availableKiB };
}
