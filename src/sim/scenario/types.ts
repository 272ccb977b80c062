// A scenario, validated: every size in KiB, every time in ms. docs/simulator.md documents
// the file keys these come from (src/sim/scenario/parse.ts maps key -> field).
import type { PolicyName } from '../../model/decision.js';
import type { ProtectionRules } from '../../policy/types.js';
import type { ScopeSettings } from '../../policy/scope/settings.js';

/** How a process's anonymous memory changes with time since the process started. */
export type Curve =
  | { kind: 'constant'; sizeKiB: number }
  /** Linear from fromKiB to toKiB between atMs and atMs + overMs, holding before and after. */
  | { kind: 'ramp'; fromKiB: number; toKiB: number; atMs: number; overMs: number }
  | { kind: 'step'; fromKiB: number; toKiB: number; atMs: number }
  /** Grows by rateKiBps from fromKiB, without end or up to maxKiB. */
  | { kind: 'leak'; fromKiB: number; rateKiBps: number; maxKiB: number | null }
  /** Grows linearly minKiB -> maxKiB over periodMs, drops back to minKiB, again. */
  | { kind: 'sawtooth'; minKiB: number; maxKiB: number; periodMs: number }
  /** Piecewise linear through [ms, KiB] points (ms ascending), holding after the last. */
  | { kind: 'points'; points: ReadonlyArray<readonly [number, number]> };

export interface ProcessSpec {
  name: string;
  /** Which domain holds it (by domain name). */
  domain: string;
  uid: number;
  adj: number;
  /** When it starts, ms; null: only an "start" event starts it. */
  startMs: number | null;
  /** When it exits by itself, ms; null: never. */
  stopMs: number | null;
  anon: Curve;
  fileKiB: number;
  shmemKiB: number;
  /** Fraction of one CPU it keeps busy (CPU contention slows victims' exit). */
  cpu: number;
  frozen: boolean;
  /** Starved of CPU (a throttled cpu cgroup): exit is slow and boosting does not help. */
  cpuStarved: boolean;
  /** Shares its address space with a process that will not die: cannot be reaped. */
  sharedMm: boolean;
  kernelThread: boolean;
  /** Its cgroup2 directory below the domain's scope_root ("app-firefox.scope"); null: outside every scope. */
  scope: string | null;
}

/** What the kernel shows on one scope's directory ([[scope]]; a scope without one: all false, memory.current present). */
export interface ScopeSpec {
  /** The directory below scope_root, as processes name it in `scope`. */
  name: string;
  domain: string;
  /** systemd-oomd's xattrs on the directory: user.oomd_avoid, user.oomd_omit. */
  oomdAvoid: boolean;
  oomdOmit: boolean;
  /** The memory controller is enabled for it: the scope stage reads its memory.current (else it sums its processes). */
  memoryCurrent: boolean;
}

/**
 * How a run groups the domain's processes (`units`, `--units`): "process": no scope stage
 * (scope = "none"); "scope": the scope stage chooses a scope, the policy the victim in it
 * (kill_unit = "process"); "whole-scope": every member of the chosen scope (kill_unit = "cgroup").
 */
export type UnitRun = 'process' | 'scope' | 'whole-scope';

export type EventAction = 'freeze' | 'thaw' | 'adj' | 'start' | 'stop' | 'dstate' | 'starve' | 'unstarve';

export interface ScenarioEvent {
  atMs: number;
  action: EventAction;
  /** Process name (every process with that name) — or domain name for domain-wide freeze. */
  target: string;
  /** adj: the new oom_score_adj. */
  adj?: number;
  /** dstate: how long the process sleeps uninterruptibly (cannot exit meanwhile). */
  forMs?: number;
}

export interface PsiSettings {
  /** Stall time within windowMs that fires the PSI-like trigger (like "some 150000 1000000"). */
  stallMs: number;
  windowMs: number;
}

interface KillerSettings {
  /** process_mrelease after SIGKILL (overridden by --no-reap runs). */
  reap: boolean;
  /** Thaw frozen victims (seed 000). When false, a frozen victim cannot exit. */
  thaw: boolean;
  /** Raise the victim to real-time priority (seed 000): CPU contention no longer slows its exit. */
  boost: boolean;
  /** Reclaim timeout: how long the engine waits for victims to exit; null: the policy's. */
  timeoutMs: number | null;
}

interface ExitSettings {
  /** Time from SIGKILL to exit of an idle, tiny process, ms. */
  baseMs: number;
  /** Extra exit time per GiB of resident memory (unmapping it), ms. */
  msPerGiB: number;
  /** Multiplier for CPU-starved victims. */
  starvedFactor: number;
}

interface OomSettings {
  /** The kernel OOM killer acts when allocations stay blocked afterMs (false: oom_kill_disable). */
  enabled: boolean;
  afterMs: number;
}

export interface DomainSpec {
  name: string;
  kind: 'machine' | 'cgroup';
  /** cgroup path shown in snapshots (cgroup domains). */
  path: string;
  sizeKiB: number;
  swapKiB: number;
  /** Swap-out bandwidth, KiB/s (uncompressed pages). */
  swapRateKiBps: number;
  /** The swap is zram compressing this many to one: a swapped KiB costs 1/zramRatio KiB of RAM; null: disk swap (costs none). */
  zramRatio: number | null;
  /**
   * kswapd lags a fast allocator: free memory falls from the high towards the min
   * watermark before the cache's working set (cache_floor) is reclaimed; false: free stays
   * at the high watermark while there is cache to take.
   */
  reclaimLag: boolean;
  /** High watermark: kswapd keeps at least this much free by reclaiming cache. */
  reserveKiB: number;
  /** Memory used but owned by no process (kernel, slab). */
  kernelKiB: number;
  /** Page cache the workload would like to keep. */
  cacheKiB: number;
  /** Working set of the page cache: below it the domain thrashes (refaults). */
  cacheFloorKiB: number;
  cpus: number;
  /** Add init (pid 1), two kernel threads and the daemon itself (machine domains). */
  systemProcesses: boolean;
  /** The policy this domain runs in the "configured" run; null: none configured. */
  policy: PolicyName | null;
  /** Raw parameter tables per policy, parsed by src/policy/params.ts. */
  params: Partial<Record<PolicyName, Record<string, unknown>>>;
  rules: ProtectionRules;
  /** Only processes with oom_score_adj >= minAdj are candidates (the daemon's min_adj); null: every adj. */
  minAdj: number | null;
  psi: PsiSettings;
  /** Which signals wake a 'pressure' policy: the PSI-like trigger, critical vmpressure, or both. */
  trigger: 'both' | 'psi' | 'vmpressure';
  killer: KillerSettings;
  exit: ExitSettings;
  oom: OomSettings;
  /** The scope stage, as the daemon's scope keys say (scope_root defaults to the domain itself). */
  scopes: ScopeSettings;
}

export interface Scenario {
  name: string;
  description: string;
  tickMs: number;
  durationMs: number;
  /** Wall clock of virtual time 0 (journal timestamps), ms since the epoch. */
  epochMs: number;
  /** Seed for the deterministic spreads of expanded process groups. */
  seed: number;
  /** Runs to compare when --policy is not given: policy names or "configured". */
  runs: string[];
  /** Also run each of them without reaping (as --no-reap does). */
  compareNoReap: boolean;
  /** Each run once per unit (scope stage off, scope → process, whole scope); null: as each domain configures. */
  units: UnitRun[] | null;
  domains: DomainSpec[];
  /** Attributes of scope directories ([[scope]]). */
  scopes: ScopeSpec[];
  processes: ProcessSpec[];
  events: ScenarioEvent[];
}
