// Which policy `explain` runs, with which parameters and rules: a configuration file's
// domain (the embedded default without --config) with the flags on top — exactly what
// `run` would use.
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { ConfigFlags } from '../config/flags.js';
import { getPolicy } from '../policy/registry.js';
import { parseLevelsDetailed, parseMatcher, type ParamText } from '../policy/params.js';
import { PolicyError } from '../policy/errors.js';
import type { Level } from '../policy/table.js';
import type { Policy, ProcessMatcher, ProtectionRules } from '../policy/types.js';
import { CliError, EXIT } from './exit-codes.js';
import { KILL_UNITS, NO_SCOPES, SCOPE_MODES, SCOPE_RANKS, type ScopeSettings } from '../policy/scope/settings.js';

export interface ExplainOptions extends ParamText {
  snapshot?: string;
  policy?: string;
  json?: boolean;
  top?: string;
  config?: string;
  domain?: string;
  memcg?: string;
  protect?: string[];
  prefer?: string[];
  avoid?: string[];
  scope?: string;
  scopeRoot?: string;
  killUnit?: string;
  scopeRank?: string;
}

interface ResolvedSetup {
  policy: Policy<unknown, unknown>;
  params: unknown;
  rules: ProtectionRules;
  legacyLevels?: Level[];
  /** The configured domain's cgroup, for a live explanation. */
  memcg?: string;
  /** The configured domain's min_adj: a protection rule, as in the daemon's domain. */
  minAdj?: number;
  /** The scope stage (--scope cgroup, or the configured domain's). */
  scopes?: ScopeSettings;
}

const PARAM_KEYS: ReadonlyArray<keyof ParamText> = [
  'minfree', 'reclaimTimeout', 'levels', 'deathPending', 'killTimeout', 'pick', 'memAvailable', 'swapFree',
];

/** A bad flag is a usage error; say which flag when the policy layer did not. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PolicyError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}

function matchers(flag: string, values: readonly string[] | undefined): ProcessMatcher[] {
  return (values ?? []).map((v) => usage(() => {
    try {
      return parseMatcher(v);
    } catch (e) {
      if (e instanceof PolicyError) throw new PolicyError(e.code, `${flag}: ${e.message}`);
      throw e;
    }
  }));
}

function paramText(o: ExplainOptions): ParamText {
  const text: ParamText = {};
  for (const k of PARAM_KEYS) if (o[k] !== undefined) text[k] = o[k];
  return text;
}

/** A bad explain flag stays a usage error (exit 2), as explain documents; a bad file is 3. */
function withFlagErrorsAsUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError && e.issues.every((i) => i.flag !== undefined)) throw new CliError(e.issues.map((i) => `${i.flag}: ${i.message}`).join('\n'), EXIT.USAGE);
    throw e;
  }
}

function fromConfig(o: ExplainOptions, extra: ProtectionRules): ResolvedSetup {
  const flags: ConfigFlags = { ...paramText(o) };
  if (o.policy !== undefined) flags.policy = o.policy;
  const config = withFlagErrorsAsUsage(() => loadConfig(o.config, flags)); // ConfigError carries exit code 3
  const domain = o.domain === undefined ? config.domains[0] : config.domains.find((d) => d.name === o.domain);
  if (!domain) {
    const names = config.domains.map((d) => d.name).join(', ');
    throw new CliError(`no domain "${o.domain ?? ''}" in ${config.file} (domains: ${names || 'none'})`, EXIT.USAGE);
  }
  const resolved: ResolvedSetup = {
    policy: usage(() => getPolicy(domain.policy)),
    params: domain.params,
    rules: {
      protect: [...domain.rules.protect, ...extra.protect],
      prefer: [...domain.rules.prefer, ...extra.prefer],
      avoid: [...domain.rules.avoid, ...extra.avoid],
    },
  };
  if (domain.memcg !== null) resolved.memcg = domain.memcg;
  if (domain.minAdj !== null) resolved.minAdj = domain.minAdj;
  if (domain.scopes.mode !== 'none') (resolved as ResolvedSetup & { domainScopes?: ScopeSettings }).domainScopes = domain.scopes;
  const legacy = o.levels !== undefined ? usage(() => parseLevelsDetailed(o.levels as string).legacy) : undefined;
  if (legacy) resolved.legacyLevels = legacy;
  return resolved;
}

function oneOf<T extends string>(flag: string, value: string | undefined, values: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((values as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag} "${value}": expected one of ${values.join(', ')}`, EXIT.USAGE);
}

/** The scope flags over the configured domain's scope settings (or over "no scopes"). */
function scopeSettings(o: ExplainOptions, base: ScopeSettings, memcg: string | undefined): ScopeSettings | undefined {
  const s: ScopeSettings = {
    ...base,
    mode: oneOf('--scope', o.scope, SCOPE_MODES, base.mode),
    killUnit: oneOf('--kill-unit', o.killUnit, KILL_UNITS, base.killUnit),
    rank: oneOf('--scope-rank', o.scopeRank, SCOPE_RANKS, base.rank),
  };
  if (o.scopeRoot !== undefined) s.root = o.scopeRoot;
  if (s.mode === 'none') return undefined;
  s.root ??= memcg !== undefined && !memcg.startsWith('/sys/fs/cgroup/memory') ? memcg : null;
  if (s.root === null) throw new CliError('--scope cgroup needs --scope-root (the cgroup2 directory whose children are the scopes)', EXIT.USAGE);
  return s;
}

export function resolveExplainSetup(o: ExplainOptions): ResolvedSetup {
  const resolved = resolveWithoutScopes(o);
  const scopes = scopeSettings(o, resolved.domainScopes ?? NO_SCOPES, o.memcg ?? resolved.memcg);
  const { domainScopes: _unused, ...out } = resolved;
  if (scopes) out.scopes = scopes;
  return out;
}

function resolveWithoutScopes(o: ExplainOptions): ResolvedSetup & { domainScopes?: ScopeSettings } {
  const extra: ProtectionRules = {
    protect: matchers('--protect', o.protect),
    prefer: matchers('--prefer', o.prefer),
    avoid: matchers('--avoid', o.avoid),
  };
  if (o.domain !== undefined && o.config === undefined) throw new CliError('--domain needs --config', EXIT.USAGE);
  // No --config: the embedded default, as `run` with no --config uses it (explain once
  // defaulted to simple-lmk while run used oom-score). --policy and parameter flags apply
  // on top, exactly as they do for run.
  return fromConfig(o, extra);
}
