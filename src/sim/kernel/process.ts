// One virtual process: its memory counters, its life (waiting -> running -> dying ->
// exited) and the flags that decide how fast it can die (frozen, D-state, CPU-starved).
import type { ProcessInfo } from '../../model/snapshot.js';
import { curveKiB } from '../curves.js';
import type { ProcessSpec } from '../scenario/types.js';

type Life = 'waiting' | 'running' | 'dying' | 'exited';

/** USER_HZ: /proc/PID/stat counts starttime in 1/100 s. */
const CLK_TCK_MS = 10;
/** Virtual boot happened this long before time 0, so start times are plausible. */
const BOOT_TICKS = 100_000;

export class SimProcess {
  life: Life = 'waiting';
  adj: number;
  frozen: boolean;
  cpuStarved: boolean;
  /** Resident anonymous memory, KiB. */
  anonKiB = 0;
  swapKiB = 0;
  fileKiB = 0;
  shmemKiB = 0;
  startedAtMs = 0;
  startTime = 0;
  /** Uninterruptible sleep until this time (cannot exit meanwhile); 0: not in D-state. */
  dstateUntilMs = 0;
  /** Growth was refused this tick (the domain had no memory left). */
  blocked = false;
  killedAtMs: number | null = null;
  /** When it will exit; null while something (freezer, D-state) stops it. */
  exitAtMs: number | null = null;
  exitedAtMs: number | null = null;
  killedBy: 'policy' | 'kernel-oom' | null = null;
  /** Raised to real-time priority when killed (seed 000's boost). */
  boosted = false;
  private info: ProcessInfo | null = null;

  constructor(
    readonly pid: number,
    readonly spec: ProcessSpec,
    /** The v1 memory cgroup path /proc/PID/cgroup shows, for processes of cgroup domains. */
    private readonly memcgPath?: string,
    /** Its cgroup2 path as /proc/PID/cgroup shows it, for processes in a scope ("/app.slice/app-firefox.scope"). */
    readonly cgroupV2?: string,
  ) {
    this.adj = spec.adj;
    this.frozen = spec.frozen;
    this.cpuStarved = spec.cpuStarved;
  }

  get name(): string {
    return this.spec.name;
  }

  get uid(): number {
    return this.spec.uid;
  }

  /** Present in /proc: started and not yet exited. */
  get present(): boolean {
    return this.life === 'running' || this.life === 'dying';
  }

  /** Able to run code: not frozen, not in uninterruptible sleep. */
  runnable(nowMs: number): boolean {
    return !this.frozen && this.dstateUntilMs <= nowMs;
  }

  residentKiB(): number {
    return this.anonKiB + this.fileKiB + this.shmemKiB;
  }

  totalKiB(): number {
    return this.residentKiB() + this.swapKiB;
  }

  start(nowMs: number): void {
    this.life = 'running';
    this.startedAtMs = nowMs;
    this.startTime = BOOT_TICKS + Math.floor(nowMs / CLK_TCK_MS);
    this.fileKiB = this.spec.fileKiB;
    this.shmemKiB = this.spec.shmemKiB;
    this.touch();
  }

  /** Anonymous memory (resident + swapped) its curve asks for now. */
  wantedAnonKiB(nowMs: number): number {
    return curveKiB(this.spec.anon, nowMs - this.startedAtMs);
  }

  /** Mark the cached /proc view stale. */
  touch(): void {
    this.info = null;
  }

  toInfo(nowMs: number): ProcessInfo {
    if (this.info) return this.info;
    const info: ProcessInfo = {
      pid: this.pid,
      name: this.spec.name,
      state: this.stateLetter(nowMs),
      kernelThread: this.spec.kernelThread,
      exiting: this.life === 'dying',
      uid: this.spec.uid,
      startTime: this.startTime,
      oomScoreAdj: this.adj,
      rssAnonKiB: this.anonKiB,
      rssFileKiB: this.fileKiB,
      rssShmemKiB: this.shmemKiB,
      swapKiB: this.swapKiB,
    };
    if (this.memcgPath !== undefined) info.memcgV1 = this.memcgPath;
    if (this.cgroupV2 !== undefined) info.cgroupV2 = this.cgroupV2;
    this.info = info;
    return info;
  }

  private stateLetter(nowMs: number): string {
    if (this.spec.kernelThread) return 'I';
    // A v1-frozen task shows D (kernel-interfaces §3.4); so does one blocked at a memcg limit (§2.2).
    if (this.frozen || this.dstateUntilMs > nowMs || this.blocked) return 'D';
    return 'S';
  }
}
