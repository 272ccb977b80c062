// Scenario text (TOML or JSON) -> a validated Scenario, or a ScenarioError naming every
// bad key. docs/simulator.md documents each key; test/sim/scenario.test.ts checks that.
import { parse as parseToml, TomlError } from 'smol-toml';
import { POLICY_NAMES } from '../../model/decision.js';
import { curveKiB } from '../curves.js';
import { Issues, ScenarioError } from './errors.js';
import { readDomain } from './domain.js';
import { prng, readProcessGroup, type ProcessGroup } from './process.js';
import type { DomainSpec, EventAction, Scenario, ScenarioEvent, ScopeSpec, UnitRun } from './types.js';
import { isTable, TableReader, type Table } from './values.js';
import { EVENT_ACTIONS, UNIT_RUNS } from './keys.js';
import { checkScopes, readScopeTable } from './scopes.js';

const DEFAULT_EPOCH = '2025-01-01T00:00:00.000Z';
export const CONFIGURED_RUN = 'configured';
const ACTIONS: readonly EventAction[] = EVENT_ACTIONS;

function tablesOf(r: TableReader, key: string): Table[] {
  const v = r.raw(key);
  if (v === undefined) return [];
  if (isTable(v)) return [v];
  if (Array.isArray(v) && v.every(isTable)) return v;
  r.issues.add(key, `expected tables: [[${key}]]`);
  return [];
}

function readEvent(table: Table, path: string, issues: Issues, targets: Set<string>): ScenarioEvent | undefined {
  const r = new TableReader(table, path, issues);
  const atMs = r.duration('at');
  if (!r.has('at')) issues.add(r.key('at'), 'required: when the event happens, e.g. "30s"');
  const action = r.enumOf('action', ACTIONS);
  if (!r.has('action')) issues.add(r.key('action'), `required: one of ${ACTIONS.join(', ')}`);
  const target = r.string('target');
  if (target === undefined && !r.has('target')) issues.add(r.key('target'), 'required: a process name (or a group name as written, with "{i}")');
  if (target !== undefined && !targets.has(target)) issues.add(r.key('target'), `no process is named ${JSON.stringify(target)}`);
  const ev: ScenarioEvent = { atMs: atMs ?? 0, action: action ?? 'freeze', target: target ?? '' };
  if (action === 'adj') {
    const adj = r.number('adj', -1000, 1000, true);
    if (!r.has('adj')) issues.add(r.key('adj'), 'required for action "adj": the new oom_score_adj');
    ev.adj = adj ?? 0;
  }
  if (action === 'dstate') {
    const forMs = r.duration('for');
    if (!r.has('for')) issues.add(r.key('for'), 'required for action "dstate": how long it sleeps uninterruptibly');
    ev.forMs = forMs ?? 0;
  }
  r.rejectUnknown();
  return atMs === undefined || action === undefined || target === undefined ? undefined : ev;
}

function readRuns(r: TableReader, domains: readonly DomainSpec[]): string[] {
  const allowed = [CONFIGURED_RUN, ...POLICY_NAMES];
  const v = r.raw('runs');
  if (v === undefined) return domains.some((d) => d.policy !== null) ? [CONFIGURED_RUN, ...POLICY_NAMES] : [...POLICY_NAMES];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && allowed.includes(x))) {
    r.issues.add('runs', `expected a non-empty array of ${allowed.map((x) => JSON.stringify(x)).join(', ')}`);
    return [...POLICY_NAMES];
  }
  if (v.includes(CONFIGURED_RUN) && domains.some((d) => d.policy === null)) {
    r.issues.add('runs', `"configured" needs a policy in every [[domain]]`);
  }
  return [...new Set(v as string[])];
}

function readUnits(r: TableReader): UnitRun[] | null {
  const v = r.raw('units');
  if (v === undefined) return null;
  const allowed: readonly string[] = UNIT_RUNS;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && allowed.includes(x))) {
    r.issues.add('units', `expected a non-empty array of ${UNIT_RUNS.map((x) => JSON.stringify(x)).join(', ')}`);
    return null;
  }
  return [...new Set(v as UnitRun[])];
}

function readEpoch(r: TableReader): number {
  const v = r.raw('epoch');
  const text = v instanceof Date ? v.toISOString() : (v ?? DEFAULT_EPOCH);
  const ms = typeof text === 'string' ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) {
    r.issues.add('epoch', 'expected an RFC 3339 time such as 2025-01-01T00:00:00Z');
    return Date.parse(DEFAULT_EPOCH);
  }
  return ms;
}

function checkProcesses(s: Scenario, issues: Issues, groups: ProcessGroup[]): void {
  const domains = new Map(s.domains.map((d) => [d.name, d]));
  groups.forEach((g, gi) => {
    const first = g.members[0];
    if (!first) return;
    const d = domains.get(first.domain);
    if (!d) {
      issues.add(`process[${gi + 1}].domain`, `no [[domain]] is named ${JSON.stringify(first.domain)}`);
      return;
    }
    // Growing past the domain is what leaks do; starting larger than it is a typo.
    const initial = Math.max(...g.members.map((m) => curveKiB(m.anon, 0) + m.fileKiB + m.shmemKiB));
    if (initial > d.sizeKiB + d.swapKiB) issues.add(`process[${gi + 1}].memory`, `starts at ${initial} KiB, more than domain "${d.name}" holds (${d.sizeKiB + d.swapKiB} KiB with swap)`);
    if (first.stopMs !== null && first.startMs !== null && first.stopMs <= first.startMs) issues.add(`process[${gi + 1}].stop`, 'must be after start');
  });
}

/** Per domain, the scopes its processes are in (a process below a scope's directory counts for it). */
function scopesInUse(s: Scenario): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of s.processes) {
    if (p.scope === null) continue;
    const set = out.get(p.domain) ?? new Set<string>();
    set.add(p.scope.split('/')[0] ?? p.scope);
    out.set(p.domain, set);
  }
  return out;
}

/** The most ticks one scenario may run (duration / tick): docs/simulator.md. */
const MAX_TICKS = 1_000_000;

/** Validate a parsed table (from TOML or JSON). */
export function scenarioFromTable(table: unknown, file: string, defaultName: string): Scenario {
  const issues = new Issues();
  if (!isTable(table)) throw new ScenarioError(file, [{ key: '', message: 'expected a table at the top level' }]);
  const r = new TableReader(table, '', issues);
  const durationMs = r.duration('duration');
  if (!r.has('duration')) issues.add('duration', 'required: how much virtual time to simulate, e.g. "10m"');
  const tickMs = r.duration('tick') ?? 100;
  if (tickMs < 1 || tickMs > 10_000 || !Number.isInteger(tickMs)) issues.add('tick', 'must be a whole number of ms from 1ms to 10s');
  // Every tick keeps a sample per domain and process for the report: an unbounded run once
  // grew to 11.7 GB before the kernel stopped it. 1,000,000 ticks is a day at 100 ms.
  if (durationMs !== undefined && durationMs / tickMs > MAX_TICKS) {
    issues.add('duration', `${durationMs / tickMs} ticks (duration / tick); a scenario may run at most ${MAX_TICKS.toLocaleString('en')} ticks (e.g. 24h at 100ms)`);
  }
  const domainTables = tablesOf(r, 'domain');
  if (domainTables.length === 0 && !r.has('domain')) issues.add('domain', 'required: at least one [[domain]] with a size');
  const domains = domainTables.map((t, i) => readDomain(t, `domain[${i + 1}]`, i, issues));
  const names = new Set<string>();
  domains.forEach((d, i) => {
    if (names.has(d.name)) issues.add(`domain[${i + 1}].name`, `${JSON.stringify(d.name)} names two domains`);
    names.add(d.name);
    if (d.psi.windowMs < tickMs) issues.add(`domain[${i + 1}].psi_window`, `must be at least one tick (${tickMs} ms)`);
  });
  const seed = r.number('seed', 0, 2 ** 32 - 1, true) ?? 1;
  const random = prng(seed);
  const groups = tablesOf(r, 'process').map((t, i) => readProcessGroup(t, `process[${i + 1}]`, issues, domains[0]?.name ?? 'machine', random));
  const scopes = tablesOf(r, 'scope')
    .map((t, i) => readScopeTable(t, `scope[${i + 1}]`, issues, domains[0]?.name ?? 'machine'))
    .filter((x): x is ScopeSpec => x !== undefined);
  const targets = new Set(groups.flatMap((g) => [g.template, ...g.members.map((m) => m.name)]));
  const events = tablesOf(r, 'event')
    .map((t, i) => readEvent(t, `event[${i + 1}]`, issues, targets))
    .filter((e): e is ScenarioEvent => e !== undefined);
  const scenario: Scenario = {
    name: r.string('name') ?? defaultName,
    description: r.string('description') ?? '',
    tickMs,
    durationMs: durationMs ?? 0,
    epochMs: readEpoch(r),
    seed,
    runs: readRuns(r, domains),
    compareNoReap: r.boolean('compare_no_reap') ?? false,
    units: readUnits(r),
    domains,
    scopes,
    processes: groups.flatMap((g) => g.members),
    events: expandGroupTargets(events, groups),
  };
  r.rejectUnknown();
  if (durationMs !== undefined && durationMs < tickMs) issues.add('duration', `must be at least one tick (${tickMs} ms)`);
  checkProcesses(scenario, issues, groups);
  checkScopes(scopes, domains, scopesInUse(scenario), issues);
  if (issues.list.length > 0) throw new ScenarioError(file, issues.list);
  return scenario;
}

/** An event that targets a group name applies to each member: one event per member. */
function expandGroupTargets(events: ScenarioEvent[], groups: ProcessGroup[]): ScenarioEvent[] {
  const out: ScenarioEvent[] = [];
  for (const e of events) {
    const group = groups.find((g) => g.template === e.target && g.template.includes('{i}'));
    if (group) for (const m of group.members) out.push({ ...e, target: m.name });
    else out.push(e);
  }
  // Stable: same time keeps file order.
  return out.map((e, i) => [e, i] as const).sort((a, b) => a[0].atMs - b[0].atMs || a[1] - b[1]).map(([e]) => e);
}

/** Parse scenario text: JSON when it starts with "{", TOML otherwise. */
export function parseScenario(text: string, file: string, defaultName: string): Scenario {
  let table: unknown;
  try {
    table = text.trimStart().startsWith('{') ? JSON.parse(text) : parseToml(text);
  } catch (e) {
    const where = e instanceof TomlError ? `line ${e.line}, column ${e.column}: ` : '';
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new ScenarioError(file, [{ key: '', message: `${where}${message}` }]);
  }
  return scenarioFromTable(table, file, defaultName);
}
