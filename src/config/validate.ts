// Raw TOML table -> Config, collecting every issue (never stopping at the first). Each
// issue names its key path and, through the KeyLocator, the line it sits on; values that
// came from command-line flags name the flag instead.
import type { ProtectionRules } from '../policy/types.js';
import { POLICIES } from '../policy/registry.js';
import type { ConfigIssue } from './errors.js';
import { SCOPE_DEFAULTS } from './schema.js';
import { KeyLocator, type KeyPath } from './locate.js';
import { POLICY_KEY_NAMES, buildPolicyParams, policyKeyOwner } from './policy-keys.js';
import { isTable, mergeRules, readRules, type IssueSink } from './rules.js';
import {
  DAEMON_DEFAULTS,
  DAEMON_KEYS,
  DEFAULT_POLICY,
  DOMAIN_KEYS,
  HOOK_DEFAULTS,
  HOOK_KEYS,
  KILL_DEFAULTS,
  KILL_KEYS,
  RULE_LISTS,
  TOP_LEVEL_KEYS,
  TRIGGER_DEFAULTS,
  WARN_DEFAULTS,
  type DomainDraft,
  type KeySpec,
} from './schema.js';
import { unknownKeyMessage } from './suggest.js';
import { MAX_ISSUES, MAX_RULES } from './limits.js';
import { normalizeCgroupPath } from './paths.js';
import type { Config, DaemonSettings, DomainConfig, HookSettings, KillSettings } from './types.js';
import { describe } from './values.js';

/** The control socket a daemon with an lmkd domain opens unless `socket` says otherwise. */
const DEFAULT_LMKD_SOCKET = '/run/reapd/lmkd.sock';

/** "domain[2].minfree" (domains counted from 1, as a reader counts [[domain]] tables). */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg + 1}]` : out === '' ? seg : `.${seg}`;
  return out;
}

interface ValidateOptions {
  /** Key paths (formatPath form) whose value came from a flag, and that flag. */
  fromFlags?: ReadonlyMap<string, string>;
  /** Why a memcg / psi_group path is not a cgroup directory (undefined: it is; option absent: not checked). */
  cgroupProblem?: (path: string) => string | undefined;
}

class Issues implements IssueSink {
  readonly list: ConfigIssue[] = [];
  /** Issues past MAX_ISSUES: counted only (locating each one's line is the costly part). */
  omitted = 0;
  constructor(
    private readonly locator: KeyLocator,
    private readonly fromFlags: ReadonlyMap<string, string>,
  ) {}

  add(path: KeyPath, message: string): void {
    if (this.list.length >= MAX_ISSUES) {
      this.omitted++;
      return;
    }
    const key = formatPath(path);
    const flag = this.fromFlags.get(key);
    const issue: ConfigIssue = { key, message };
    if (flag !== undefined) issue.flag = flag;
    else {
      const line = this.locator.lineOf(path);
      if (line !== undefined) issue.line = line;
    }
    this.list.push(issue);
  }
}

function applyKeys<T>(table: Record<string, unknown>, specs: readonly KeySpec<T>[], target: T, path: KeyPath, issues: Issues, skip: ReadonlySet<string>): void {
  const known = specs.map((s) => s.key);
  for (const [key, value] of Object.entries(table)) {
    if (skip.has(key)) continue;
    const s = specs.find((x) => x.key === key);
    if (!s) {
      issues.add([...path, key], unknownKeyMessage(key, [...known, ...skip]));
      continue;
    }
    const r = s.read(value);
    if (r.ok) s.set(target, r.value);
    else issues.add([...path, key], r.message);
  }
}

function readDaemon(raw: unknown, issues: Issues): DaemonSettings & { socketSet: boolean } {
  const daemon = { ...DAEMON_DEFAULTS, socketSet: false };
  if (raw === undefined) return daemon;
  if (!isTable(raw)) {
    issues.add(['daemon'], `expected a table ([daemon]), got ${describe(raw)}`);
    return daemon;
  }
  applyKeys(raw, DAEMON_KEYS, daemon, ['daemon'], issues, new Set());
  daemon.socketSet = raw.socket !== undefined;
  return daemon;
}

function readKill(raw: unknown, issues: Issues): KillSettings {
  const kill = { ...KILL_DEFAULTS };
  if (raw === undefined) return kill;
  if (!isTable(raw)) {
    issues.add(['kill'], `expected a table ([kill]), got ${describe(raw)}`);
    return kill;
  }
  applyKeys(raw, KILL_KEYS, kill, ['kill'], issues, new Set());
  return kill;
}

function readHooks(raw: unknown, issues: Issues): HookSettings {
  const hooks = { ...HOOK_DEFAULTS };
  if (raw === undefined) return hooks;
  if (!isTable(raw)) {
    issues.add(['hooks'], `expected a table ([hooks]), got ${describe(raw)}`);
    return hooks;
  }
  applyKeys(raw, HOOK_KEYS, hooks, ['hooks'], issues, new Set());
  return hooks;
}

function checkPaths(d: DomainDraft, path: KeyPath, issues: Issues, problem: ValidateOptions['cgroupProblem']): void {
  if (d.memcg !== null) d.memcg = normalizeCgroupPath(d.memcg);
  if (d.psiGroup !== null) d.psiGroup = normalizeCgroupPath(d.psiGroup);
  if (!problem) return;
  const m = d.memcg === null ? undefined : problem(d.memcg);
  if (m !== undefined) issues.add([...path, 'memcg'], m);
  const g = d.psiGroup === null ? undefined : problem(d.psiGroup);
  if (g !== undefined) issues.add([...path, 'psi_group'], g);
}

function readDomain(raw: unknown, index: number, global: ProtectionRules, daemon: DaemonSettings, issues: Issues, opts: ValidateOptions): DomainConfig | undefined {
  const path: KeyPath = ['domain', index];
  if (!isTable(raw)) {
    issues.add(path, `expected a table ([[domain]]), got ${describe(raw)}`);
    return undefined;
  }
  const draft: DomainDraft = {
    memcg: null, psiGroup: null, policy: DEFAULT_POLICY, minAdj: null, trigger: { ...TRIGGER_DEFAULTS }, warn: { ...WARN_DEFAULTS }, holdBackKiB: 0, scopes: { ...SCOPE_DEFAULTS },
  };
  const before = issues.list.length;
  const policyKeys = new Set(POLICY_KEY_NAMES);
  applyKeys(raw, DOMAIN_KEYS, draft, path, issues, new Set([...RULE_LISTS, ...policyKeys]));
  checkPaths(draft, path, issues, opts.cgroupProblem);
  const rules = readRules(raw, path, issues);
  for (const key of Object.keys(raw).filter((k) => policyKeys.has(k))) {
    const owners = policyKeyOwner(key);
    if (!owners.includes(draft.policy)) {
      issues.add([...path, key], `"${key}" is a parameter of ${owners.join(' and ')}, not of this domain's policy "${draft.policy}"`);
    }
  }
  // One issue per key: the domain keys' own check may have named reclaim_timeout already.
  const reported = (key: string): boolean => issues.list.slice(before).some((i) => i.key === formatPath([...path, key]));
  const built = buildPolicyParams(draft.policy, raw, (key, message) => {
    if (!reported(key)) issues.add([...path, key], message);
  });
  checkTrigger(draft, path, issues);
  if (draft.warn.intervalMs < 100) issues.add([...path, 'warn_interval'], `must be at least 100ms, got ${draft.warn.intervalMs} ms`);
  if (built === undefined && issues.list.length === before) {
    // The invariant behind every domain: one that produces no policy says so, never vanishes.
    issues.add(path, `the values of this domain produce no ${draft.policy} policy`);
  }
  checkScopes(draft, path, issues);
  if (issues.list.length > before || built === undefined) return undefined;
  return {
    name: draft.name ?? draft.memcg ?? 'machine',
    memcg: draft.memcg,
    psiGroup: draft.psiGroup,
    policy: draft.policy,
    params: built.params,
    minAdj: draft.minAdj,
    reclaimTimeoutMs: draft.reclaimTimeoutMs ?? built.reclaimTimeoutMs,
    dryRun: draft.dryRun ?? daemon.dryRun,
    trigger: draft.trigger,
    rules: mergeRules(global, rules),
    warn: draft.warn,
    holdBackKiB: draft.holdBackKiB,
    scopes: draft.scopes,
  };
}

/** A v1 memory controller path: its directories hold no cgroup2 scopes. */
function isV1Memcg(path: string): boolean {
  return path === '/sys/fs/cgroup/memory' || path.startsWith('/sys/fs/cgroup/memory/');
}

function checkScopes(d: DomainDraft, path: KeyPath, issues: Issues): void {
  const s = d.scopes;
  for (const key of ['scope_protect', 'scope_avoid', 'scope_prefer'] as const) {
    const list = key === 'scope_protect' ? s.protect : key === 'scope_avoid' ? s.avoid : s.prefer;
    for (const p of list) if (!p.startsWith('/')) issues.add([...path, key], `scope pattern "${p}" must start with "/" (a cgroup2 path as /proc/PID/cgroup shows it)`);
  }
  if (s.windowMs <= 0 || s.windowMs > 3_600_000) issues.add([...path, 'scope_window'], 'must be more than 0 and at most 1h');
  if (s.mode !== 'cgroup') return;
  if (s.root !== null && isV1Memcg(s.root)) issues.add([...path, 'scope_root'], 'must be a cgroup2 directory (e.g. under /sys/fs/cgroup/unified), not a v1 memcg');
  if (s.root !== null) return;
  if (d.memcg !== null && !isV1Memcg(d.memcg)) s.root = d.memcg;
  else issues.add([...path, 'scope'], d.memcg === null
    ? 'scope = "cgroup" on the whole machine needs scope_root (e.g. "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice")'
    : 'scope = "cgroup" on a v1 memcg needs scope_root: the cgroup2 directory whose children are the scopes');
}

function checkTrigger(d: DomainDraft, path: KeyPath, issues: Issues): void {
  const t = d.trigger;
  if (t.psiStallMs <= 0) issues.add([...path, 'psi_stall'], 'must be more than 0');
  if (t.psiStallMs > t.psiWindowMs) issues.add([...path, 'psi_stall'], `must not exceed psi_window (${t.psiWindowMs} ms)`);
  if (t.psiWindowMs > 10_000) issues.add([...path, 'psi_window'], 'the kernel accepts PSI windows up to 10s');
  if (t.pollMinMs < 10) issues.add([...path, 'poll_min_interval'], 'must be at least 10ms (reading pressure files faster corrupts their totals)');
  if (t.pollMaxMs < t.pollMinMs) issues.add([...path, 'poll_max_interval'], `must be at least poll_min_interval (${t.pollMinMs} ms)`);
  if (t.mode === 'poll' && POLICIES[d.policy].trigger === 'pressure') {
    issues.add([...path, 'trigger'], `${d.policy} acts on every pressure event and has no threshold to poll; use "auto", "psi" or "memcg-events"`);
  }
  if (t.mode === 'memcg-events' && d.memcg === null) issues.add([...path, 'trigger'], '"memcg-events" needs a memcg domain: a cgroup v1 memory directory or a cgroup2 group with the memory controller (set memcg)');
  if (d.psiGroup !== null && d.memcg === null) issues.add([...path, 'psi_group'], 'only applies to a memcg domain (set memcg)');
  if (d.holdBackKiB > 0 && d.memcg === null) issues.add([...path, 'hold_back'], 'only applies to a cgroup2 memory domain (set memcg)');
}

function checkDomainSet(domains: readonly DomainConfig[], issues: Issues): void {
  const seen = new Map<string, number>();
  const memcgs = new Map<string, number>();
  domains.forEach((d, i) => {
    const other = seen.get(d.name);
    if (other !== undefined) issues.add(['domain', i, 'name'], `"${d.name}" is also the name of domain[${other + 1}]; names must be unique`);
    seen.set(d.name, i);
    const key = d.memcg ?? '(machine)';
    const same = memcgs.get(key);
    if (same !== undefined) issues.add(['domain', i, 'memcg'], `domain[${same + 1}] already covers ${d.memcg ?? 'the whole machine'}`);
    memcgs.set(key, i);
  });
}

/** Validate a parsed table. Returns the config when there is no issue. */
/** How many matchers the file's rule lists hold, before any is read. */
function countRules(table: Record<string, unknown>): number {
  const lists = (t: unknown): number => (isTable(t) ? RULE_LISTS.reduce((n, l) => n + (Array.isArray(t[l]) ? (t[l] as unknown[]).length : 0), 0) : 0);
  const domains = Array.isArray(table.domain) ? (table.domain as unknown[]) : [];
  return domains.reduce((n: number, d) => n + lists(d), lists(table.rules));
}

export function validateConfig(table: Record<string, unknown>, source: string, file: string, opts: ValidateOptions = {}): { config?: Config; issues: ConfigIssue[] } {
  const rules = countRules(table);
  if (rules > MAX_RULES) return { issues: [{ key: 'rules', message: `${rules} protect/prefer/avoid rules; a configuration may hold at most ${MAX_RULES}` }] };
  const issues = new Issues(new KeyLocator(source), opts.fromFlags ?? new Map());
  const result = validateTable(table, file, issues, opts);
  if (issues.omitted > 0) issues.list.push({ key: '', message: `… and ${issues.omitted} more error(s) not listed` });
  return result.config && issues.list.length === 0 ? result : { issues: issues.list };
}

function validateTable(table: Record<string, unknown>, file: string, issues: Issues, opts: ValidateOptions): { config?: Config; issues: ConfigIssue[] } {
  for (const key of Object.keys(table)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) issues.add([key], unknownKeyMessage(key, TOP_LEVEL_KEYS));
  }
  const daemon = readDaemon(table.daemon, issues);
  const kill = readKill(table.kill, issues);
  const hooks = readHooks(table.hooks, issues);
  let global: ProtectionRules = { protect: [], prefer: [], avoid: [] };
  if (table.rules !== undefined) {
    if (!isTable(table.rules)) issues.add(['rules'], `expected a table ([rules]), got ${describe(table.rules)}`);
    else {
      for (const key of Object.keys(table.rules)) {
        if (!(RULE_LISTS as readonly string[]).includes(key)) issues.add(['rules', key], unknownKeyMessage(key, RULE_LISTS));
      }
      global = readRules(table.rules, ['rules'], issues);
    }
  }
  let rawDomains: unknown[] = [{}];
  if (table.domain !== undefined) {
    if (Array.isArray(table.domain)) rawDomains = table.domain.length > 0 ? table.domain : [{}];
    else issues.add(['domain'], 'domains are an array of tables: write [[domain]], not [domain]');
  }
  const domains = rawDomains.map((d, i) => readDomain(d, i, global, daemon, issues, opts));
  const valid = domains.filter((d): d is DomainConfig => d !== undefined);
  checkDomainSet(valid, issues);
  if (issues.list.length === 0 && valid.length === 0) issues.add(['domain'], 'no domain to guard: a configuration needs at least one [[domain]]');
  if (issues.list.length > 0) return { issues: issues.list };
  const { socketSet, ...settings } = daemon;
  if (!socketSet && valid.some((d) => POLICIES[d.policy].servesLmkdClients)) settings.socket = DEFAULT_LMKD_SOCKET;
  return { config: { file, daemon: settings, kill, hooks, domains: valid }, issues: [] };
}
