// A cgroup2 group without the memory controller (this project's hosts: cgroup2 is mounted
// with no memory controller, yet every group has memory.pressure) is still a useful
// domain: its PSI says when, its processes are the candidates. It has no usage or limit,
// so the memory numbers are the machine's. KernelProcessSource requires memory accounting
// for a `memcg`, so this source scans the machine and keeps the group's processes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSource } from '../engine/ports.js';
import type { Victim } from '../model/decision.js';
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { MemoryView } from '../model/memory-view.js';
import { KernelProcessSource, type KernelProcessSourceOptions } from './source.js';
import { listCgroupPids } from './procfs/cgroup-domain.js';

/** True for a cgroup2 directory that has no memory.current (no memory controller). */
export function isUnaccountedGroup(dir: string): boolean {
  return existsSync(join(dir, 'cgroup.controllers')) && !existsSync(join(dir, 'memory.current'));
}

export class GroupPidsSource implements ProcessSource {
  private readonly machine: KernelProcessSource;

  constructor(
    readonly dir: string,
    selfPid: number,
    /** How the machine is scanned (KernelProcessSourceOptions: scanMode, needOomScore). */
    scan: Pick<KernelProcessSourceOptions, 'scanMode' | 'needOomScore' | 'lazySizes' | 'scoreOnDemand' | 'stallAverage' | 'pressureFile'> = {},
  ) {
    this.machine = new KernelProcessSource({ ...scan, selfPid });
  }

  /** The group's pids as listed by the last scan (freshen keeps to them). */
  private lastMembers: Set<number> = new Set();

  async scan(): Promise<Snapshot> {
    const snapshot = await this.machine.scan();
    this.lastMembers = new Set(listCgroupPids(this.dir));
    return this.members(snapshot, this.lastMembers);
  }

  async freshen(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const fresh = await this.machine.freshen((p) => this.lastMembers.has(p.pid) && used(p));
    return fresh && this.members(fresh, this.lastMembers);
  }

  async readScores(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const fresh = await this.machine.readScores((p) => this.lastMembers.has(p.pid) && used(p));
    return fresh && this.members(fresh, this.lastMembers);
  }

  async recheck(victims: readonly Victim[]): Promise<Snapshot | undefined> {
    const fresh = await this.machine.recheck(victims);
    return fresh && this.members(fresh, new Set(listCgroupPids(this.dir)));
  }

  afterReclaim(): void {
    this.machine.afterReclaim();
  }

  private members(snapshot: Snapshot, members: ReadonlySet<number>): Snapshot {
    return { ...snapshot, processes: snapshot.processes.filter((p) => members.has(p.pid)) };
  }

  readMemory(): Promise<MemoryView> {
    return this.machine.readMemory();
  }

  close(): void {
    this.machine.close();
  }
}
