// The validated configuration: what the daemon runs on. Built from the TOML file (or the
// embedded default, config/default.toml) with command-line flags applied on top.
import type { LogLevel } from '../model/log-level.js';
import type { PolicyName } from '../model/decision.js';
import type { ProtectionRules } from '../policy/types.js';
import type { ScopeSettings } from '../policy/scope/settings.js';

export type LogFormat = 'human' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * How a domain learns it should act.
 * auto: what the policy's trigger kind and the domain call for (docs/configuration.md);
 * psi: a PSI trigger; memcg-events: cgroup v1 memory.pressure_level + memory.oom_control
 * eventfds; poll: the adaptive threshold poller.
 */
type TriggerMode = 'auto' | 'psi' | 'memcg-events' | 'poll';
export const TRIGGER_MODES: readonly TriggerMode[] = ['auto', 'psi', 'memcg-events', 'poll'];

export type PsiKind = 'some' | 'full';

export interface TriggerSettings {
  mode: TriggerMode;
  psiKind: PsiKind;
  /** Stall time within the window that fires the trigger. */
  psiStallMs: number;
  psiWindowMs: number;
  /** Bounds of the adaptive poller's sleep (default 10 ms … 1 s; earlyoom sleeps 100 ms … 1 s). */
  pollMinMs: number;
  pollMaxMs: number;
}

/** Where a TCP server listens: [daemon] metrics = "127.0.0.1:9412". */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface DaemonSettings {
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** Kill journal (JSON lines); null: none. */
  journal: string | null;
  dryRun: boolean;
  /** lmkd-compatible control socket; null: none. */
  socket: string | null;
  /** oom_score_adj -1000, code pages locked, real-time kill thread (each when permitted). */
  selfProtect: boolean;
  /** With selfProtect: run in a memory cgroup of its own with swap off and memory.min (src/kernel/self). */
  selfCgroup: boolean;
  /** Stalled event loop -> the watchdog acts after this long; 0 disables it. */
  watchdogMs: number;
  /** Prometheus /metrics; null: off. */
  metrics: ListenAddress | null;
  /** D-Bus: "system", a bus address ("unix:path=…"), or null: off. */
  dbus: string | null;
  /** A one-line memory report per domain in the log this often (earlyoom's -r); 0: never. */
  reportIntervalMs: number;
}

/** The kill path's options (src/kernel/kill, seed 000's "help the victim die"). */
export interface KillSettings {
  /** Move a victim out of a frozen cgroup v1 freezer before killing it. */
  thaw: boolean;
  /** Let the victim's threads run on every CPU. */
  allCpus: boolean;
  /** SCHED_RR priority 1 for the victim's threads. */
  rtBoost: boolean;
  /** process_mrelease right after SIGKILL. */
  reap: boolean;
  /** Wait this long before reaping (never for a frozen victim, seed 003). */
  reapDelayMs: number;
}

/** Programs run when reapd warns, kills and has killed ([hooks]; docs/notifications.md). */
export interface HookSettings {
  /** Absolute paths; null: no hook. */
  preKill: string | null;
  postKill: string | null;
  warn: string | null;
  /** A hook still running after this long is killed (its process group). */
  timeoutMs: number;
  /** Hooks running at once; a run beyond it is skipped and logged. */
  maxRunning: number;
}

/** The warning stage before a domain's kill level (docs/notifications.md, "Warnings"). */
export interface WarnSettings {
  /** Warn when the headroom to the kill level is at or below this; null: auto (5% of the domain's memory, at least 32 MiB); 0: never. */
  headroomKiB: number | null;
  /** How often the domain's memory is read for the warning. */
  intervalMs: number;
  /** At most one warning per domain this often. */
  everyMs: number;
}

export interface DomainConfig {
  /** Names the domain in logs and the journal: "machine" or the cgroup path by default. */
  name: string;
  /** cgroup v1 memory directory or cgroup2 directory; null: the whole machine. */
  memcg: string | null;
  /** cgroup2 group whose memory.pressure stands for a v1 memcg's pressure. */
  psiGroup: string | null;
  policy: PolicyName;
  /** The policy's parameters, in the policy's own type (src/policy/params.ts). */
  params: unknown;
  /** Only processes with oom_score_adj >= minAdj are candidates; null: no extra limit. */
  minAdj: number | null;
  reclaimTimeoutMs: number;
  dryRun: boolean;
  trigger: TriggerSettings;
  /** Global [rules] followed by this domain's own protect/prefer/avoid. */
  rules: ProtectionRules;
  /** The warning stage; absent: WARN_DEFAULTS. */
  warn?: WarnSettings;
  /**
   * cgroup2 memory domains: while reapd runs, memory.high = memory.max − holdBackKiB, so
   * the kernel throttles the group there instead of OOM-killing it at memory.max while
   * reapd decides (restored on exit). 0: memory.high is left alone.
   */
  holdBackKiB: number;
  /** The scope stage (scope, scope_root, kill_unit, …); mode "none": processes only. */
  scopes: ScopeSettings;
}

export interface Config {
  /** The file it came from, or "(embedded default)". */
  file: string;
  daemon: DaemonSettings;
  kill: KillSettings;
  hooks: HookSettings;
  domains: DomainConfig[];
}
