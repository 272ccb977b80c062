// What one simulated run produced. This is the shape of `reapd simulate --json`'s runs[]
// (docs/simulator.md, "JSON output"): field names are a contract; add, never rename.
import type { DecisionReason, PolicyName } from '../model/decision.js';

/** oom_score_adj bands the report counts losses in. */
export const ADJ_BANDS = ['<0', '0-199', '200-599', '600-899', '900-1000'] as const;
export type AdjBand = (typeof ADJ_BANDS)[number];

export function adjBand(adj: number): AdjBand {
  if (adj < 0) return '<0';
  if (adj < 200) return '0-199';
  if (adj < 600) return '200-599';
  if (adj < 900) return '600-899';
  return '900-1000';
}

/** A killed process as reports need it (a SimProcess, or a process of a trace frame). */
export interface Killed {
  readonly pid: number;
  readonly name: string;
  readonly uid: number;
  readonly adj: number;
  totalKiB(): number;
}

export interface KillEntry {
  /** Virtual time of the SIGKILL, ms. */
  atMs: number;
  domain: string;
  pid: number;
  name: string;
  uid: number;
  oomScoreAdj: number;
  band: AdjBand;
  /** "policy" or "kernel-oom" (the kernel's own OOM killer: the policy was too late). */
  by: 'policy' | 'kernel-oom';
  reason: DecisionReason | 'kernel-oom';
  /** The policy's sentence. */
  why: string;
  /** What the policy expected to free, KiB. */
  sizeKiB: number;
  /** What the victim actually gave back by the end of the run, KiB. */
  freedKiB: number;
  /** Of freedKiB, what reaping released at the kill. */
  reapedKiB: number;
  reaped: boolean;
  /** Time of exit, ms; null when it had not exited by the end. */
  exitAtMs: number | null;
  notes: string[];
  /** Index into reclaims[], or null for kernel OOM kills. */
  reclaim: number | null;
  /** With the scope stage on: the scope the victim was chosen in, its size then, and why it was chosen. */
  scope?: string;
  scopeKiB?: number;
  scopeWhy?: string;
}

export interface ReclaimEntry {
  atMs: number;
  domain: string;
  trigger: string;
  /** What this policy needed freed at the decision (docs/simulator.md, "Needed"), KiB. */
  neededKiB: number;
  /** What its victims gave back by the end of the run, KiB. */
  freedKiB: number;
  /** max(0, freed - needed). */
  overshootKiB: number;
  victims: number;
  /** The engine timed out waiting for the victims (seed 000's "Timeout hit…"). */
  timedOut: boolean;
}

export interface DomainSummary {
  name: string;
  policy: PolicyName;
  reap: boolean;
  criticalMs: number;
  /** PSI-like "some" stall, total over the run, ms. */
  stallMs: number;
  /** Ticks on which allocations were refused, as time, ms. */
  blockedMs: number;
  peakUsedKiB: number;
  minAvailableKiB: number;
  /** Trigger events delivered to the engine (threshold policies: one poll per tick). */
  triggers: number;
  /** Reclaims that killed. */
  reclaims: number;
}

export interface RunSummary {
  kills: number;
  kernelOomKills: number;
  freedKiB: number;
  /** Σ over reclaims of max(0, freed - needed), KiB. */
  overshootKiB: number;
  criticalMs: number;
  stallMs: number;
  lostByBand: Record<AdjBand, number>;
  reclaimTimeouts: number;
}

/** Per-tick series for the charts (downsampled for output). */
export interface Timeline {
  tickMs: number;
  usedKiB: Float64Array;
  cacheKiB: Float64Array;
  swapKiB: Float64Array;
  stall: Float64Array;
  /** 0 none, 1 low, 2 medium, 3 critical. */
  level: Uint8Array;
}

export interface RunResult {
  /** "simple-lmk", "configured", "simple-lmk (no reap)" … */
  label: string;
  reap: 'on' | 'off' | 'as configured';
  domains: DomainSummary[];
  kills: KillEntry[];
  reclaims: ReclaimEntry[];
  summary: RunSummary;
  timelines: Map<string, Timeline>;
}

export interface SimulationResult {
  /** Scenario name or trace file name. */
  name: string;
  description: string;
  kind: 'scenario' | 'trace';
  durationMs: number;
  tickMs: number;
  domains: Array<{ name: string; sizeKiB: number; swapKiB: number; kind: string }>;
  processes: number;
  runs: RunResult[];
}
