// Scopes in a scenario (docs/simulator.md, "Scopes"): a domain's scope keys, read by the
// daemon's own key specs (src/config/schema.ts) so they mean what they mean in reapd.toml;
// a process's `scope` (its cgroup2 directory below the domain's scope_root); and [[scope]]
// tables for what the kernel shows on a scope's directory: systemd-oomd's xattrs, and
// whether memory.current exists (the memory controller enabled for it).
import { DOMAIN_KEYS as DAEMON_DOMAIN_KEYS, type DomainDraft } from '../../config/schema.js';
import { NO_SCOPES, type ScopeSettings } from '../../policy/scope/settings.js';
import { domainCgroupPath } from '../../model/cgroup-path.js';
import type { Issues } from './errors.js';
import type { DomainSpec, ScopeSpec } from './types.js';
import { TableReader, type Table } from './values.js';

export const SCOPE_DOMAIN_KEYS = ['scope', 'scope_root', 'kill_unit', 'scope_rank', 'scope_window', 'scope_protect', 'scope_avoid', 'scope_prefer'] as const;
export const SCOPE_KEYS = ['name', 'domain', 'oomd_avoid', 'oomd_omit', 'memory_current'] as const;

/** Where a domain's scopes live when scope_root is not given: the domain itself (a machine: the cgroup2 root). */
function defaultScopeRoot(kind: DomainSpec['kind'], path: string): string {
  return kind === 'machine' ? '/sys/fs/cgroup' : path;
}

/** The domain's scope keys, each read by the daemon's reader for that key. */
export function readScopeKeys(r: TableReader, kind: DomainSpec['kind'], path: string): ScopeSettings {
  // The daemon's setters write only `scopes` (and scopeRootSet) of a domain draft.
  const draft = { scopes: { ...NO_SCOPES, root: defaultScopeRoot(kind, path) } } as DomainDraft;
  for (const key of SCOPE_DOMAIN_KEYS) {
    const v = r.raw(key);
    if (v === undefined) continue;
    const spec = DAEMON_DOMAIN_KEYS.find((k) => k.key === key);
    const read = spec?.read(v);
    if (!spec || !read) continue;
    if (read.ok) spec.set(draft, read.value);
    else r.issues.add(r.key(key), read.message);
  }
  const s = draft.scopes;
  if (s.root === null) s.root = defaultScopeRoot(kind, path); // scope_root = "" means the default here
  for (const [key, list] of [['scope_protect', s.protect], ['scope_avoid', s.avoid], ['scope_prefer', s.prefer]] as const) {
    for (const p of list) if (!p.startsWith('/')) r.issues.add(r.key(key), `scope pattern "${p}" must start with "/" (a cgroup2 path as /proc/PID/cgroup shows it)`);
  }
  if (s.windowMs <= 0 || s.windowMs > 3_600_000) r.issues.add(r.key('scope_window'), 'must be more than 0 and at most 1h');
  return s;
}

/** "app-firefox.scope" or "app.slice/app-firefox.scope": relative, no empty, "." or ".." segment. */
export function scopeNameProblem(name: string): string | undefined {
  if (name.startsWith('/')) return 'must be relative to the domain\'s scope_root (e.g. "app-firefox.scope"), not start with "/"';
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'expected a cgroup directory name such as "app-firefox.scope" (segments separated by "/", none empty, "." or "..")';
  return undefined;
}

/** A process's cgroup2 path as /proc/PID/cgroup names it: scope_root's path, then the scope. */
export function scopeCgroupPath(root: string, scope: string): string {
  const base = domainCgroupPath(root).replace(/\/+$/, '');
  return `${base}/${scope}`;
}

export function readScopeTable(table: Table, path: string, issues: Issues, defaultDomain: string): ScopeSpec | undefined {
  const r = new TableReader(table, path, issues);
  const name = r.string('name');
  if (!r.has('name')) issues.add(r.key('name'), 'required: the scope\'s directory below scope_root, as processes name it in `scope`');
  // A scope is a direct child of scope_root: processes may sit below it, its attributes sit on it.
  const problem = name === undefined ? undefined : name.includes('/') && !name.startsWith('/') ? 'a scope is one directory below scope_root: no "/" in its name' : scopeNameProblem(name);
  if (problem !== undefined) issues.add(r.key('name'), problem);
  const spec: ScopeSpec = {
    name: name ?? '',
    domain: r.string('domain') ?? defaultDomain,
    oomdAvoid: r.boolean('oomd_avoid') ?? false,
    oomdOmit: r.boolean('oomd_omit') ?? false,
    memoryCurrent: r.boolean('memory_current') ?? true,
  };
  r.rejectUnknown();
  return name === undefined || problem !== undefined ? undefined : spec;
}

/** Each [[scope]] must name a domain and a scope some process of that domain is in, once. */
export function checkScopes(scopes: readonly ScopeSpec[], domains: readonly DomainSpec[], used: ReadonlyMap<string, ReadonlySet<string>>, issues: Issues): void {
  const seen = new Set<string>();
  scopes.forEach((s, i) => {
    const at = `scope[${i + 1}]`;
    if (!domains.some((d) => d.name === s.domain)) issues.add(`${at}.domain`, `no [[domain]] is named ${JSON.stringify(s.domain)}`);
    else if (!used.get(s.domain)?.has(s.name)) issues.add(`${at}.name`, `no process of domain "${s.domain}" is in scope ${JSON.stringify(s.name)}`);
    const key = `${s.domain}\u0000${s.name}`;
    if (seen.has(key)) issues.add(`${at}.name`, `${JSON.stringify(s.name)} is described twice in domain "${s.domain}"`);
    seen.add(key);
  });
}
