// Every configuration key with its type, default, example and meaning: validation reads
// these tables, and a test checks docs/configuration.md documents each key.
import { POLICY_NAMES } from '../model/decision.js';
import { KILL_UNITS, NO_SCOPES, SCOPE_MODES, SCOPE_RANKS, type ScopeSettings } from '../policy/scope/settings.js';
import type { PolicyName } from '../model/decision.js';
import type { DaemonSettings, HookSettings, KillSettings, TriggerSettings, WarnSettings } from './types.js';
import { LOG_FORMATS, LOG_LEVELS, TRIGGER_MODES } from './types.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../model/limits.js';
import {
  readAbsolutePath,
  readBoolean,
  readDurationMs,
  readEnum,
  readInteger,
  readBusAddress,
  readListenAddress,
  readSizeKiB,
  readOptionalPath,
  readString,
  readStringList,
  type Read,
} from './values.js';

export interface KeySpec<T> {
  key: string;
  /** Type as docs/configuration.md names it. */
  type: string;
  /** Default as docs/configuration.md shows it. */
  defaultText: string;
  read(value: unknown): Read<unknown>;
  set(target: T, value: unknown): void;
}

function spec<T, V>(key: string, type: string, defaultText: string, read: (v: unknown) => Read<V>, set: (t: T, v: V) => void): KeySpec<T> {
  return { key, type, defaultText, read, set: (t, v) => set(t, v as V) };
}

export const DAEMON_DEFAULTS: DaemonSettings = {
  logFormat: 'human',
  logLevel: 'info',
  journal: '/var/lib/reapd/journal.jsonl',
  dryRun: false,
  socket: null,
  selfProtect: true,
  selfCgroup: true,
  watchdogMs: 2000,
  metrics: null,
  dbus: 'system',
  reportIntervalMs: 0,
};

export const DAEMON_KEYS: readonly KeySpec<DaemonSettings>[] = [
  spec('log_format', 'enum: "human" | "json"', '"human"', (v) => readEnum(v, LOG_FORMATS), (t, v) => (t.logFormat = v)),
  spec('log_level', 'enum: "debug" | "info" | "warn" | "error"', '"info"', (v) => readEnum(v, LOG_LEVELS), (t, v) => (t.logLevel = v)),
  spec('journal', 'path ("" = none)', '"/var/lib/reapd/journal.jsonl"', readAbsolutePath, (t, v) => (t.journal = v)),
  spec('dry_run', 'boolean', 'false', readBoolean, (t, v) => (t.dryRun = v)),
  spec('socket', 'path ("" = none)', '"" (no control socket)', readAbsolutePath, (t, v) => (t.socket = v)),
  spec('self_protect', 'boolean', 'true', readBoolean, (t, v) => (t.selfProtect = v)),
  spec('self_cgroup', 'boolean', 'true', readBoolean, (t, v) => (t.selfCgroup = v)),
  spec('watchdog_timeout', 'duration ("0" = off)', '"2s"', readDurationMs, (t, v) => (t.watchdogMs = v)),
  spec('metrics', 'address ("" = off)', '"" (off)', readListenAddress, (t, v) => (t.metrics = v)),
  spec('dbus', '"system", a bus address, or "" (off)', '"system"', readBusAddress, (t, v) => (t.dbus = v)),
  spec('report_interval', 'duration ("0" = off)', '"0" (off)', readDurationMs, (t, v) => (t.reportIntervalMs = v)),
];

/** The seed's defaults (src/kernel/kill/types.ts DEFAULT_CORE_CONFIG). */
export const KILL_DEFAULTS: KillSettings = { thaw: true, allCpus: true, rtBoost: true, reap: true, reapDelayMs: 0 };

export const KILL_KEYS: readonly KeySpec<KillSettings>[] = [
  spec('thaw', 'boolean', 'true', readBoolean, (t, v) => (t.thaw = v)),
  spec('all_cpus', 'boolean', 'true', readBoolean, (t, v) => (t.allCpus = v)),
  spec('rt_boost', 'boolean', 'true', readBoolean, (t, v) => (t.rtBoost = v)),
  spec('reap', 'boolean', 'true', readBoolean, (t, v) => (t.reap = v)),
  spec('reap_delay', 'duration', '"0ms"', readDurationMs, (t, v) => (t.reapDelayMs = v)),
];

/** No hook; a hook gets 10 s, and at most 4 run at once (each is a process fork). */
export const HOOK_DEFAULTS: HookSettings = { preKill: null, postKill: null, warn: null, timeoutMs: 10_000, maxRunning: 4 };

export const HOOK_KEYS: readonly KeySpec<HookSettings>[] = [
  spec('pre_kill', 'path ("" = none)', '""', readAbsolutePath, (t, v) => (t.preKill = v)),
  spec('post_kill', 'path ("" = none)', '""', readAbsolutePath, (t, v) => (t.postKill = v)),
  spec('warn', 'path ("" = none)', '""', readAbsolutePath, (t, v) => (t.warn = v)),
  spec('timeout', 'duration', '"10s"', readDurationMs, (t, v) => (t.timeoutMs = v)),
  spec('max_running', 'integer 1 … 64', '4', (v) => readInteger(v, 1, 64), (t, v) => (t.maxRunning = v)),
];

/** What a [[domain]] table holds before its policy parameters are built. */
export interface DomainDraft {
  name?: string;
  memcg: string | null;
  psiGroup: string | null;
  policy: PolicyName;
  minAdj: number | null;
  reclaimTimeoutMs?: number;
  dryRun?: boolean;
  trigger: TriggerSettings;
  scopes: ScopeSettings;
  /** scope_root was given (else the domain's own cgroup2 directory). */
  scopeRootSet?: boolean;
  warn: WarnSettings;
  holdBackKiB: number;
}

/** Auto headroom; memory read every second; a warning at most once a minute per domain (issue 16: ≤ 1 per app per minute). */
export const WARN_DEFAULTS: WarnSettings = { headroomKiB: null, intervalMs: 1000, everyMs: 60_000 };

const readWarnHeadroom = (v: unknown): Read<number | null> => (v === 'auto' ? { ok: true, value: null } : readSizeKiB(v));

/** Scopes off (docs/policies.md, "Scopes"). */
export const SCOPE_DEFAULTS: ScopeSettings = NO_SCOPES;

export const DEFAULT_POLICY: PolicyName = 'oom-score';

/** lmkd's "medium" PSI threshold (ro.lmk.psi_partial_stall_ms = 70 per 1 s window). */
export const TRIGGER_DEFAULTS: TriggerSettings = {
  mode: 'auto',
  psiKind: 'some',
  psiStallMs: 70,
  psiWindowMs: 1000,
  pollMinMs: 10,
  pollMaxMs: 1000,
};

export const DOMAIN_KEYS: readonly KeySpec<DomainDraft>[] = [
  spec('name', 'string', '"machine", or the memcg path', readString, (t, v) => (t.name = v)),
  spec('memcg', 'path ("" = whole machine)', '"" (whole machine)', readAbsolutePath, (t, v) => (t.memcg = v)),
  spec('psi_group', 'path ("" = none)', '""', readOptionalPath, (t, v) => (t.psiGroup = v)),
  spec('policy', 'enum: "simple-lmk" | "lowmemorykiller" | "lmkd" | "oom-score"', `"${DEFAULT_POLICY}"`, (v) => readEnum(v, POLICY_NAMES), (t, v) => (t.policy = v)),
  spec('min_adj', 'integer -1000 … 1000', 'none (every adj)', (v) => readInteger(v, OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX), (t, v) => (t.minAdj = v)),
  spec('reclaim_timeout', 'duration', '"1s" (simple-lmk: "200ms")', readDurationMs, (t, v) => (t.reclaimTimeoutMs = v)),
  spec('dry_run', 'boolean', 'daemon.dry_run', readBoolean, (t, v) => (t.dryRun = v)),
  spec('hold_back', 'size ("0" = off)', '"0" (memory.high left alone)', readSizeKiB, (t, v) => (t.holdBackKiB = v)),
  spec('trigger', 'enum: "auto" | "psi" | "memcg-events" | "poll"', '"auto"', (v) => readEnum(v, TRIGGER_MODES), (t, v) => (t.trigger.mode = v)),
  spec('psi_kind', 'enum: "some" | "full"', '"some"', (v) => readEnum(v, ['some', 'full'] as const), (t, v) => (t.trigger.psiKind = v)),
  spec('psi_stall', 'duration', '"70ms"', readDurationMs, (t, v) => (t.trigger.psiStallMs = v)),
  spec('psi_window', 'duration', '"1s"', readDurationMs, (t, v) => (t.trigger.psiWindowMs = v)),
  spec('poll_min_interval', 'duration', '"100ms"', readDurationMs, (t, v) => (t.trigger.pollMinMs = v)),
  spec('poll_max_interval', 'duration', '"1s"', readDurationMs, (t, v) => (t.trigger.pollMaxMs = v)),
  spec('warn_headroom', 'size, "auto" or "0" (off)', '"auto"', readWarnHeadroom, (t, v) => (t.warn.headroomKiB = v)),
  spec('warn_interval', 'duration', '"1s"', readDurationMs, (t, v) => (t.warn.intervalMs = v)),
  spec('warn_every', 'duration', '"60s"', readDurationMs, (t, v) => (t.warn.everyMs = v)),
  spec('scope', 'enum: "none" | "cgroup"', '"none"', (v) => readEnum(v, SCOPE_MODES), (t, v) => (t.scopes.mode = v)),
  spec('scope_root', 'path', 'the domain\'s own cgroup2 directory', readAbsolutePath, (t, v) => {
    t.scopes.root = v;
    t.scopeRootSet = v !== null;
  }),
  spec('kill_unit', 'enum: "process" | "cgroup"', '"process"', (v) => readEnum(v, KILL_UNITS), (t, v) => (t.scopes.killUnit = v)),
  spec('scope_rank', 'enum: "growth" | "size"', '"growth"', (v) => readEnum(v, SCOPE_RANKS), (t, v) => (t.scopes.rank = v)),
  spec('scope_window', 'duration', '"10s"', readDurationMs, (t, v) => (t.scopes.windowMs = v)),
  spec('scope_protect', 'array of scope path patterns', '[]', readStringList, (t, v) => (t.scopes.protect = v)),
  spec('scope_avoid', 'array of scope path patterns', '[]', readStringList, (t, v) => (t.scopes.avoid = v)),
  spec('scope_prefer', 'array of scope path patterns', '[]', readStringList, (t, v) => (t.scopes.prefer = v)),
];

/** Rule lists, accepted in [rules] and in each [[domain]]. */
export const RULE_LISTS = ['protect', 'prefer', 'avoid'] as const;
export const MATCHER_KEYS = ['name', 'cmdline', 'uid', 'cgroup'] as const;

export const TOP_LEVEL_KEYS = ['daemon', 'kill', 'hooks', 'rules', 'domain'] as const;
