// The engine's ports on the virtual kernel: a virtual clock, a ProcessSource that reads a
// SimDomain as /proc and meminfo would show it, and journal/event sinks that collect.
import type { Clock, ProcessSource } from '../../engine/ports.js';
import type { CgroupMemory, MemoryState, Snapshot } from '../../model/snapshot.js';
import type { MemoryView } from '../../model/memory-view.js';
import type { SimDomain } from './domain.js';
import { scopeAttrs, type SimScopes } from './scopes.js';

/** Virtual time: advanced by the runner, one tick at a time. No real clock is read. */
export class VirtualClock implements Clock {
  now = 0;
  constructor(private readonly epochMs: number) {}
  nowMs(): number {
    return this.now;
  }
  wallMs(): number {
    return this.epochMs + this.now;
  }
}

/**
 * /proc/meminfo as the domain would show it. Cached holds the page cache plus mapped
 * file and shmem pages; MemAvailable follows the kernel's estimate (free above the
 * reserve, plus the cache minus what reclaim would keep).
 */
export function availableKiB(d: SimDomain): number {
  const reserve = d.spec.reserveKiB;
  return Math.max(0, d.freeKiB - reserve + d.cacheKiB - Math.min(Math.floor(d.cacheKiB / 2), reserve));
}

export function memoryState(d: SimDomain): MemoryState {
  let file = 0;
  let shmem = 0;
  for (const p of d.present) {
    file += p.fileKiB;
    shmem += p.shmemKiB;
  }
  const s = d.spec;
  return {
    totalKiB: s.sizeKiB,
    freeKiB: d.freeKiB,
    availableKiB: availableKiB(d),
    cachedKiB: d.cacheKiB + file + shmem,
    buffersKiB: 0,
    shmemKiB: shmem,
    unevictableKiB: 0,
    swapCachedKiB: 0,
    swapTotalKiB: s.swapKiB,
    swapFreeKiB: s.swapKiB - d.swapUsedKiB,
    reserveKiB: s.reserveKiB,
    // The reserve is the high watermark; allocations block at a quarter of it (SimDomain.limitKiB).
    watermarks: { minKiB: Math.floor(s.reserveKiB / 4), lowKiB: Math.floor(s.reserveKiB / 2), highKiB: s.reserveKiB },
    vmstat: {
      workingsetRefaultFile: Math.floor(d.refaultKiB / 4),
      pgscanDirect: Math.floor(d.scanDirectKiB / 4),
      pgscanKswapd: Math.floor(d.scanKswapdKiB / 4),
      fileLruPages: Math.floor(d.cacheKiB / 4),
      pageSizeKiB: 4,
    },
    // lmkd's stall_limit_critical reads the domain's PSI full avg10 (the daemon's sources too).
    psiFullAvg10: d.stallAvg10Pct,
    // zram's mm_stat: what the swapped pages hold (orig_data_size) and the RAM they cost (mem_used_total).
    ...(s.zramRatio !== null ? { zram: { origDataKiB: d.swapUsedKiB, memUsedKiB: d.zramKiB } } : {}),
  };
}

/** A cgroup domain's own counters: usage includes its page cache, as memcg charges it. */
function cgroupState(d: SimDomain, memory: MemoryState): CgroupMemory | undefined {
  if (d.spec.kind !== 'cgroup') return undefined;
  return { path: d.spec.path, usageKiB: d.spec.sizeKiB - d.freeKiB, limitKiB: d.spec.sizeKiB, fileKiB: memory.cachedKiB - memory.shmemKiB };
}

export class SimProcessSource implements ProcessSource {
  constructor(
    private readonly domain: SimDomain,
    private readonly clock: VirtualClock,
    /** With the scope stage on: the scopes' directories, as the daemon's ScopeAttrSource adds them. */
    private readonly scopes: SimScopes | null = null,
  ) {}

  view(): MemoryView {
    const memory = memoryState(this.domain);
    const cgroup = cgroupState(this.domain, memory);
    return cgroup ? { memory, cgroup } : { memory };
  }

  snapshotNow(): Snapshot {
    const view = this.view();
    const now = this.clock.now;
    const processes = this.domain.present.map((p) => p.toInfo(now));
    const snapshot: Snapshot = { version: 1, timeMs: this.clock.wallMs(), memory: view.memory, processes };
    if (view.cgroup) snapshot.cgroup = view.cgroup;
    if (this.scopes) snapshot.scopes = scopeAttrs(this.domain.present, this.scopes);
    return snapshot;
  }

  scan(): Promise<Snapshot> {
    return Promise.resolve(this.snapshotNow());
  }

  readMemory(): Promise<MemoryView> {
    return Promise.resolve(this.view());
  }
}
