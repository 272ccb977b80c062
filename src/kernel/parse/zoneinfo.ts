// /proc/zoneinfo → the pages the kernel keeps back from userspace ("totalreserve_pages").
// How the kernel computes it (mm/page_alloc.c, calculate_totalreserve_pages): for every
// zone, the largest lowmem_reserve[] entry ("protection: (…)" in zoneinfo) plus the high
// watermark, capped at the zone's managed pages; summed over all zones of all nodes.
// si_mem_available() subtracts exactly this from free pages, and Android's
// lowmemorykiller subtracts it as "reserved" from free memory.
// Real lines (per zone):
//   Node 0, zone    DMA32
//     pages free     772917
//           high     20823
//           managed  772917
//           protection: (0, 0, 640, 640, 640)
// Per-CPU pageset lines look like "              high:  378" (with a colon): not the watermark.
// zoneinfo's "high" includes the temporary watermark_boost (its own "boost" line, 5.0+);
// totalreserve_pages was computed without it, so the boost is taken back out.

import type { Watermarks } from '../../model/snapshot.js';

interface ZoneReserve {
  node: number;
  zone: string;
  /** The min and low watermarks, and high as zoneinfo prints it (with any boost). */
  minPages: number;
  lowPages: number;
  printedHighPages: number;
  /** Pages present in the zone (0: an empty zone such as Movable or Device). */
  presentPages: number;
  /** The high watermark without the temporary boost. */
  highPages: number;
  managedPages: number;
  maxProtectionPages: number;
  /** min(managed, maxProtection + high): this zone's share of totalreserve_pages. */
  reservePages: number;
}

const HEADER_RE = /^Node\s+(\d+),\s+zone\s+(\S+)/;
const HIGH_RE = /^\s+high\s+(\d+)\s*$/;
const MIN_RE = /^\s+min\s+(\d+)\s*$/;
const LOW_RE = /^\s+low\s+(\d+)\s*$/;
const BOOST_RE = /^\s+boost\s+(\d+)\s*$/;
const MANAGED_RE = /^\s+managed\s+(\d+)\s*$/;
const PRESENT_RE = /^\s+present\s+(\d+)\s*$/;
const PROTECTION_RE = /^\s+protection:\s*\(([\d,\s]*)\)/;

interface ZoneAcc {
  node: number;
  zone: string;
  high?: number;
  min?: number;
  low?: number;
  boost?: number;
  managed?: number;
  present?: number;
  protection?: number;
}

function finish(z: ZoneAcc): ZoneReserve | undefined {
  // Kernels before 3.x lack "managed"; "present" is the closest bound there.
  const managed = z.managed ?? z.present;
  if (z.high === undefined || managed === undefined) return undefined;
  const maxProtection = z.protection ?? 0;
  const high = Math.max(0, z.high - (z.boost ?? 0));
  return {
    node: z.node,
    zone: z.zone,
    minPages: z.min ?? 0,
    lowPages: z.low ?? 0,
    printedHighPages: z.high,
    presentPages: z.present ?? managed,
    highPages: high,
    managedPages: managed,
    maxProtectionPages: maxProtection,
    reservePages: Math.min(managed, maxProtection + high),
  };
}

/** Per-zone reserves. Total: undefined when no zone has both a high watermark and a size. */
export function parseZoneinfo(text: string): ZoneReserve[] | undefined {
  if (typeof text !== 'string') return undefined;
  const zones: ZoneReserve[] = [];
  let cur: ZoneAcc | undefined;
  const flush = (): void => {
    const z = cur && finish(cur);
    if (z) zones.push(z);
  };
  for (const line of text.split('\n')) {
    const h = HEADER_RE.exec(line);
    if (h) {
      flush();
      cur = { node: Number(h[1]), zone: h[2] as string };
      continue;
    }
    if (!cur) continue;
    let m: RegExpExecArray | null;
    if (cur.high === undefined && (m = HIGH_RE.exec(line))) cur.high = Number(m[1]);
    else if (cur.min === undefined && (m = MIN_RE.exec(line))) cur.min = Number(m[1]);
    else if (cur.low === undefined && (m = LOW_RE.exec(line))) cur.low = Number(m[1]);
    else if (cur.boost === undefined && (m = BOOST_RE.exec(line))) cur.boost = Number(m[1]);
    else if (cur.managed === undefined && (m = MANAGED_RE.exec(line))) cur.managed = Number(m[1]);
    else if (cur.present === undefined && (m = PRESENT_RE.exec(line))) cur.present = Number(m[1]);
    else if (cur.protection === undefined && (m = PROTECTION_RE.exec(line))) {
      let max = 0;
      for (const v of (m[1] as string).split(',')) max = Math.max(max, Number(v.trim()) || 0);
      cur.protection = max;
    }
  }
  flush();
  return zones.length > 0 ? zones : undefined;
}

/** totalreserve_pages in KiB (pageSizeKiB: 4 on most machines, 16 or 64 on some arm64). */
export function parseZoneinfoReserveKiB(text: string, pageSizeKiB: number): number | undefined {
  const zones = parseZoneinfo(text);
  if (!zones) return undefined;
  let pages = 0;
  for (const z of zones) pages += z.reservePages;
  return pages * pageSizeKiB;
}

/**
 * lmkd's calc_zone_watermarks(): over every zone with pages present, the zone's largest
 * lowmem reserve plus its min, low and high watermark, summed — in KiB. lmkd compares
 * MemFree - CmaFree with these (get_lowest_watermark). Undefined without a zone.
 */
export function parseZoneWatermarksKiB(text: string, pageSizeKiB: number): Watermarks | undefined {
  const zones = parseZoneinfo(text);
  if (!zones) return undefined;
  let min = 0;
  let low = 0;
  let high = 0;
  for (const z of zones) {
    if (z.presentPages <= 0) continue;
    min += z.maxProtectionPages + z.minPages;
    low += z.maxProtectionPages + z.lowPages;
    high += z.maxProtectionPages + z.printedHighPages;
  }
  return { minKiB: min * pageSizeKiB, lowKiB: low * pageSizeKiB, highKiB: high * pageSizeKiB };
}
