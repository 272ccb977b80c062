// Command-line flags over the file: they are written into the raw table before validation,
// so a bad flag value is reported like a bad key (naming the flag), and one code path
// checks both. Domain flags apply to every [[domain]]; --memcg makes the daemon watch one
// cgroup, taking the file's first domain as the template.
import type { ParamText } from '../policy/params.js';
import { policyKeyOwner } from './policy-keys.js';
import { formatPath } from './validate.js';

/** Flags over the file: the policy parameters (as `explain` spells them) and the rest. */
export interface ConfigFlags extends ParamText {
  policy?: string;
  memcg?: string;
  psiGroup?: string;
  trigger?: string;
  minAdj?: string | number;
  journal?: string;
  dryRun?: boolean;
  logFormat?: string;
  logLevel?: string;
  socket?: string;
  metrics?: string;
  scope?: string;
  scopeRoot?: string;
  killUnit?: string;
  dbus?: string;
  reportInterval?: string;
}

const DAEMON_FLAGS: ReadonlyArray<[keyof ConfigFlags, string, string]> = [
  ['journal', 'journal', '--journal'],
  ['dryRun', 'dry_run', '--dry-run'],
  ['logFormat', 'log_format', '--log-format'],
  ['logLevel', 'log_level', '--log-level'],
  ['socket', 'socket', '--socket'],
  ['metrics', 'metrics', '--metrics'],
  ['dbus', 'dbus', '--dbus'],
  ['reportInterval', 'report_interval', '--report-interval'],
];

const DOMAIN_FLAGS: ReadonlyArray<[keyof ConfigFlags, string, string]> = [
  ['policy', 'policy', '--policy'],
  ['minfree', 'minfree', '--minfree'],
  ['levels', 'levels', '--levels'],
  ['deathPending', 'death_pending', '--death-pending'],
  ['killTimeout', 'kill_timeout', '--kill-timeout'],
  ['pick', 'pick', '--pick'],
  ['memAvailable', 'mem_available', '--mem-available'],
  ['swapFree', 'swap_free', '--swap-free'],
  ['psiGroup', 'psi_group', '--psi-group'],
  ['trigger', 'trigger', '--trigger'],
  ['minAdj', 'min_adj', '--min-adj'],
  ['reclaimTimeout', 'reclaim_timeout', '--reclaim-timeout'],
  ['dryRun', 'dry_run', '--dry-run'],
  ['scope', 'scope', '--scope'],
  ['scopeRoot', 'scope_root', '--scope-root'],
  ['killUnit', 'kill_unit', '--kill-unit'],
];

/** "900" -> 900 (flags arrive as strings; TOML would have given a number). */
function flagValue(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
}

function asTable(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
}

/** A copy of `table` with the flags applied, and which key paths the flags set. */
export function applyFlags(table: Record<string, unknown>, flags: ConfigFlags): { table: Record<string, unknown>; fromFlags: Map<string, string> } {
  const out: Record<string, unknown> = { ...table };
  const fromFlags = new Map<string, string>();
  const daemon = asTable(out.daemon);
  for (const [prop, key, flag] of DAEMON_FLAGS) {
    if (flags[prop] === undefined) continue;
    daemon[key] = flagValue(flags[prop]);
    fromFlags.set(formatPath(['daemon', key]), flag);
  }
  if (Object.keys(daemon).length > 0 || out.daemon !== undefined) out.daemon = daemon;

  // [domain] (a table, not an array of tables) is left for validation to report.
  if (out.domain !== undefined && !Array.isArray(out.domain)) return { table: out, fromFlags };
  let domains: unknown[] = Array.isArray(out.domain) && out.domain.length > 0 ? out.domain : [{}];
  if (flags.memcg !== undefined) {
    const { name: _name, ...template } = asTable(domains[0]);
    domains = [{ ...template, memcg: flags.memcg }];
    fromFlags.set(formatPath(['domain', 0, 'memcg']), '--memcg');
  }
  out.domain = domains.map((raw, i) => {
    const d = asTable(raw);
    if (flags.policy !== undefined && d.policy !== flags.policy) {
      // The file's parameters for another policy do not apply to the one asked for.
      for (const key of Object.keys(d)) {
        const owners = policyKeyOwner(key);
        if (owners.length > 0 && !owners.includes(flags.policy as never)) delete d[key];
      }
    }
    for (const [prop, key, flag] of DOMAIN_FLAGS) {
      if (flags[prop] === undefined) continue;
      d[key] = flagValue(flags[prop]);
      fromFlags.set(formatPath(['domain', i, key]), flag);
    }
    if (flags.levels !== undefined && flags.lmkdMode === undefined && d.mode === 'psi') {
      // A table is only read in mode "table": --levels over a psi-mode file (the embedded default) asks for the table.
      d.mode = 'table';
      fromFlags.set(formatPath(['domain', i, 'mode']), '--levels');
    }
    return d;
  });
  return { table: out, fromFlags };
}
