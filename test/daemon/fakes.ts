// In-process doubles for the daemon's ports: a scripted process source, a killer that
// records what it was asked to kill, a trigger the test fires by hand, a captured log.
import type { Clock, Killer, KillOptions, KillResult, ProcessSource, TriggerEvent } from '../../src/engine/ports.js';
import type { Victim } from '../../src/model/decision.js';
import { mergeStages } from '../../src/journal/read.js';
import type { KillRecord } from '../../src/model/kill-record.js';
import type { MemoryState, ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import type { MemoryView } from '../../src/model/memory-view.js';
import type { TriggerSource } from '../../src/kernel/triggers/types.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { Logger } from '../../src/daemon/logger.js';

export class FakeClock implements Clock {
  t = 1000;
  nowMs = (): number => this.t;
  wallMs = (): number => 1_700_000_000_000 + this.t;
}

export function memory(over: Partial<MemoryState> = {}): MemoryState {
  return {
    totalKiB: 8 * 1024 * 1024, freeKiB: 4 * 1024 * 1024, availableKiB: 4 * 1024 * 1024, cachedKiB: 1024 * 1024,
    buffersKiB: 0, shmemKiB: 0, unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 64 * 1024,
    ...over,
  };
}

export function proc(pid: number, adj: number, anonMiB: number, name = `p${pid}`): ProcessInfo {
  return {
    pid, name, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: pid * 10, oomScoreAdj: adj,
    rssAnonKiB: anonMiB * 1024, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0,
  };
}

export class FakeSource implements ProcessSource {
  scans = 0;
  constructor(public snapshot: Snapshot) {}
  scan(): Promise<Snapshot> {
    this.scans++;
    return Promise.resolve(structuredClone(this.snapshot));
  }
  readMemory(): Promise<MemoryView> {
    const view: MemoryView = { memory: this.snapshot.memory };
    if (this.snapshot.cgroup) view.cgroup = this.snapshot.cgroup;
    return Promise.resolve(view);
  }
}

export class FakeKiller implements Killer {
  batches: Array<{ victims: Victim[]; dryRun: boolean }> = [];
  closed = false;
  /** Resolve kill() only when the test says so (to hold a reclaim open). */
  gate: Promise<void> | undefined;
  constructor(private readonly clock: Clock) {}
  async kill(victims: readonly Victim[], options: KillOptions): Promise<KillResult[]> {
    this.batches.push({ victims: [...victims], dryRun: options.dryRun });
    await this.gate;
    return victims.map((victim) => ({
      victim, killed: !options.dryRun, reaped: !options.dryRun, reapMs: options.dryRun ? null : 1,
      signalAtMs: options.dryRun ? null : this.clock.nowMs() + 2, notes: [],
    }));
  }
  waitForExit(results: readonly KillResult[]): Promise<(number | null)[]> {
    return Promise.resolve(results.map(() => 5));
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export class FakeTrigger implements TriggerSource {
  emit: ((e: TriggerEvent) => void) | undefined;
  stopped = false;
  constructor(readonly planned: PlannedSource, readonly name = `fake:${planned.kind}`) {}
  start(emit: (e: TriggerEvent) => void): void {
    this.emit = emit;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  fire(level = 'critical', atMs = 1000): void {
    this.emit?.({ source: this.planned.kind, level, atMs });
  }
}

export class CapturedLog {
  lines: string[] = [];
  logger: Logger;
  constructor(format: 'json' | 'human' = 'json', level: 'debug' | 'info' = 'debug') {
    this.logger = new Logger({ format, level, out: { write: (l) => void this.lines.push(l) }, wallMs: () => 1_700_000_000_000 });
  }
  json(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  events(name: string): Array<Record<string, unknown>> {
    return this.json().filter((r) => r.event === name);
  }
}

export class MemoryJournal {
  /** Every record appended (a kill has two: signalled, then final). */
  lines: KillRecord[] = [];
  closed = false;
  append(r: KillRecord): void {
    this.lines.push(r);
  }
  /** One record per kill, as readers show them. */
  get records(): KillRecord[] {
    return mergeStages(this.lines);
  }
  close(): void {
    this.closed = true;
  }
}

/** Let queued promise callbacks run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export const simpleKill = (r: KillRecord): string => `killing ${r.name} (${r.pid}) with adj ${r.oomScoreAdj} to free ${r.sizeKiB} KiB`;
