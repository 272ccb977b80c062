// A recorded trace as a replay world: each frame is the domain's state at its time, minus
// every process the replay has killed so far — whose memory, as that frame records it,
// is credited back as free (the counterfactual "had it been killed then").
import type { CgroupMemory, ProcessInfo, Snapshot } from '../../model/snapshot.js';
import type { MemoryView } from '../../model/memory-view.js';

/** Optional extension a frame may carry (reapd record adds it): PSI "some" total, µs. */
interface FramePressure {
  someTotalUs: number;
  fullTotalUs?: number;
}

export interface Frame {
  snapshot: Snapshot;
  /** Virtual time of the frame, ms from the first frame. */
  atMs: number;
  pressure?: FramePressure;
}

export function identity(p: { pid: number; startTime: number }): string {
  return `${p.pid}:${p.startTime}`;
}

/** Memory a killed process gives back in one frame: RAM and swap separately. */
interface Credit {
  ramKiB: number;
  fileKiB: number;
  shmemKiB: number;
  swapKiB: number;
}

function credit(killed: readonly ProcessInfo[]): Credit {
  const c: Credit = { ramKiB: 0, fileKiB: 0, shmemKiB: 0, swapKiB: 0 };
  for (const p of killed) {
    c.ramKiB += p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB;
    c.fileKiB += p.rssFileKiB;
    c.shmemKiB += p.rssShmemKiB;
    c.swapKiB += p.swapKiB;
  }
  return c;
}

function creditCgroup(cg: CgroupMemory, c: Credit): CgroupMemory {
  const out: CgroupMemory = { ...cg, usageKiB: Math.max(0, cg.usageKiB - c.ramKiB) };
  if (cg.fileKiB !== undefined) out.fileKiB = Math.max(0, cg.fileKiB - c.fileKiB);
  return out;
}

/** The frame as the replay sees it: killed processes gone, their memory free. */
export function adjustedSnapshot(frame: Frame, killed: ReadonlySet<string>): Snapshot {
  const s = frame.snapshot;
  if (killed.size === 0) return s;
  const gone: ProcessInfo[] = [];
  const processes = s.processes.filter((p) => {
    const dead = killed.has(identity(p));
    if (dead) gone.push(p);
    return !dead;
  });
  if (gone.length === 0) return s;
  const c = credit(gone);
  const m = s.memory;
  const memory = {
    ...m,
    freeKiB: m.freeKiB + c.ramKiB,
    availableKiB: m.availableKiB + c.ramKiB,
    cachedKiB: Math.max(0, m.cachedKiB - c.fileKiB - c.shmemKiB),
    shmemKiB: Math.max(0, m.shmemKiB - c.shmemKiB),
    swapFreeKiB: Math.min(m.swapTotalKiB, m.swapFreeKiB + c.swapKiB),
  };
  const out: Snapshot = { ...s, memory, processes };
  if (s.cgroup) out.cgroup = creditCgroup(s.cgroup, c);
  return out;
}

export function viewOf(s: Snapshot): MemoryView {
  return s.cgroup ? { memory: s.memory, cgroup: s.cgroup } : { memory: s.memory };
}

/** Total memory of the domain (a cgroup's limit, else MemTotal), KiB. */
export function domainTotalKiB(s: Snapshot): number {
  return s.cgroup?.limitKiB ?? s.memory.totalKiB;
}

/** Memory still available: a cgroup's headroom plus its page cache, else MemAvailable. */
export function domainAvailableKiB(s: Snapshot): number {
  const cg = s.cgroup;
  if (cg && cg.limitKiB !== null) return Math.min(cg.limitKiB, Math.max(0, cg.limitKiB - cg.usageKiB) + (cg.fileKiB ?? 0));
  return s.memory.availableKiB;
}

/** Used memory without page cache, KiB (for the charts). */
export function domainUsedKiB(s: Snapshot): number {
  const cg = s.cgroup;
  if (cg && cg.limitKiB !== null) return Math.max(0, cg.usageKiB - (cg.fileKiB ?? 0));
  const m = s.memory;
  return Math.max(0, m.totalKiB - m.freeKiB - m.cachedKiB - m.buffersKiB + m.shmemKiB);
}

export function domainCacheKiB(s: Snapshot): number {
  const cg = s.cgroup;
  if (cg && cg.limitKiB !== null) return cg.fileKiB ?? 0;
  return Math.max(0, s.memory.cachedKiB + s.memory.buffersKiB - s.memory.shmemKiB);
}

function pressureOf(v: unknown): FramePressure | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as { someTotalUs?: unknown; fullTotalUs?: unknown };
  if (typeof p.someTotalUs !== 'number' || !Number.isFinite(p.someTotalUs)) return undefined;
  return typeof p.fullTotalUs === 'number' ? { someTotalUs: p.someTotalUs, fullTotalUs: p.fullTotalUs } : { someTotalUs: p.someTotalUs };
}

/**
 * Frames from snapshots in file order. Times come from each snapshot's timeMs (relative
 * to the first) when every snapshot has one, else from intervalMs. `extras` holds each
 * line's extension fields (the recorder's "pressure"), when the reader kept them apart.
 */
export function toFrames(snapshots: readonly Snapshot[], intervalMs: number, extras: readonly unknown[] = []): Frame[] {
  const timed = snapshots.every((s) => typeof s.timeMs === 'number');
  const t0 = snapshots[0]?.timeMs ?? 0;
  return snapshots.map((snapshot, i) => {
    const atMs = timed ? (snapshot.timeMs as number) - t0 : i * intervalMs;
    const raw = (extras[i] as { pressure?: unknown } | undefined)?.pressure ?? (snapshot as Snapshot & { pressure?: unknown }).pressure;
    const pressure = pressureOf(raw);
    return pressure ? { snapshot, atMs, pressure } : { snapshot, atMs };
  });
}
