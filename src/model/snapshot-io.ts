// Reading and writing snapshot format v1 (docs/snapshot-format.md). Pure: text in, data
// out. A file holds one snapshot (JSON, possibly pretty-printed) or many (NDJSON, one per
// line). Readers need only the required fields; optional fields are checked when present;
// unknown fields are kept as they are (newer writers may add fields).
import { SNAPSHOT_VERSION, type Snapshot } from './snapshot.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from './limits.js';

interface SnapshotParseResult {
  snapshots: Snapshot[];
  /** One message per problem, naming the line (or "snapshot") and the field. */
  errors: string[];
}

/** Field order when writing; readers do not depend on it. */
const MEMORY_KEYS = [
  'totalKiB', 'freeKiB', 'availableKiB', 'cachedKiB', 'buffersKiB', 'shmemKiB', 'unevictableKiB',
  'swapCachedKiB', 'swapTotalKiB', 'swapFreeKiB', 'reserveKiB',
] as const;
const PROCESS_KEYS = [
  'pid', 'name', 'state', 'kernelThread', 'exiting', 'uid', 'startTime', 'oomScoreAdj',
  'rssAnonKiB', 'rssFileKiB', 'rssShmemKiB', 'swapKiB',
] as const;
const PROCESS_OPTIONAL_KEYS = ['oomScore', 'pageTablesKiB', 'ppid', 'cmdline', 'memcgV1', 'freezerV1', 'cgroupV2'] as const;
const ALL_PROCESS_KEYS: readonly string[] = [...PROCESS_KEYS, ...PROCESS_OPTIONAL_KEYS];
const CGROUP_KEYS = ['path', 'usageKiB', 'limitKiB', 'maxKiB', 'fileKiB', 'swapKiB', 'swapLimitKiB'] as const;
const TOP_KEYS = ['version', 'timeMs', 'memory', 'cgroup', 'processes', 'scopes'] as const;

/** Stop listing problems of one snapshot after this many (the first ones tell the story). */
const MAX_ERRORS_PER_SNAPSHOT = 20;

type Obj = Record<string, unknown>;
type Check = (v: unknown) => string | undefined;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** At most 40 characters of a value. Arrays and objects are shown one level deep (their
 * items as […] / {…}): JSON.stringify of 100,000 nested arrays overflowed the stack. */
const show = (v: unknown): string => {
  const s = typeof v === 'object' && v !== null ? shallow(v) : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
};
const leaf = (v: unknown): string => (Array.isArray(v) ? '[…]' : typeof v === 'object' && v !== null ? '{…}' : (JSON.stringify(v) ?? String(v)));
function shallow(v: object): string {
  // Only as many entries as 40 characters can show.
  if (Array.isArray(v)) return `[${v.slice(0, 20).map(leaf).join(',')}${v.length > 20 ? ',…' : ''}]`;
  const entries = Object.entries(v);
  return `{${entries.slice(0, 10).map(([k, x]) => `${JSON.stringify(k)}:${leaf(x)}`).join(',')}${entries.length > 10 ? ',…' : ''}}`;
}

const kib: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number of KiB ≥ 0');
const str: Check = (v) => (typeof v === 'string' ? undefined : 'a string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const nonNegInt: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : 'an integer ≥ 0');
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'a number');
const PROCESS_CHECKS: Record<(typeof PROCESS_KEYS)[number] | (typeof PROCESS_OPTIONAL_KEYS)[number], Check> = {
  pid: (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'an integer > 0'),
  name: str,
  state: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'a state letter (R, S, D, Z …)'),
  kernelThread: bool,
  exiting: bool,
  uid: nonNegInt,
  startTime: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'clock ticks ≥ 0'),
  oomScoreAdj: (v) => (Number.isInteger(v) && (v as number) >= OOM_SCORE_ADJ_MIN && (v as number) <= OOM_SCORE_ADJ_MAX ? undefined : 'an integer from -1000 to 1000'),
  rssAnonKiB: kib,
  rssFileKiB: kib,
  rssShmemKiB: kib,
  swapKiB: kib,
  oomScore: num,
  pageTablesKiB: kib,
  ppid: nonNegInt,
  cmdline: str,
  memcgV1: str,
  freezerV1: str,
  cgroupV2: str,
};

class Collector {
  readonly errors: string[] = [];
  constructor(private readonly where: string) {}

  add(field: string, message: string): void {
    if (this.errors.length < MAX_ERRORS_PER_SNAPSHOT) this.errors.push(`${this.where}: ${field}: ${message}`);
    else if (this.errors.length === MAX_ERRORS_PER_SNAPSHOT) this.errors.push(`${this.where}: … more problems not shown`);
  }

  field(obj: Obj, key: string, path: string, check: Check, required: boolean): void {
    if (!(key in obj) || obj[key] === undefined) {
      if (required) this.add(path, 'missing (required in v1)');
      return;
    }
    const problem = check(obj[key]);
    if (problem) this.add(path, `expected ${problem}, got ${show(obj[key])}`);
  }
}

function checkMemory(c: Collector, memory: unknown): void {
  if (!isObj(memory)) return c.add('memory', `expected an object, got ${show(memory)}`);
  for (const k of MEMORY_KEYS) c.field(memory, k, `memory.${k}`, kib, true);
}

function checkCgroup(c: Collector, cg: unknown): void {
  if (!isObj(cg)) return c.add('cgroup', `expected an object, got ${show(cg)}`);
  c.field(cg, 'path', 'cgroup.path', str, true);
  c.field(cg, 'usageKiB', 'cgroup.usageKiB', kib, true);
  c.field(cg, 'limitKiB', 'cgroup.limitKiB', (v) => (v === null ? undefined : kib(v) && 'a number of KiB ≥ 0 or null (no limit)'), true);
  c.field(cg, 'fileKiB', 'cgroup.fileKiB', kib, false);
  const kibOrNull = (v: unknown): string | undefined => (v === null ? undefined : kib(v) && 'a number of KiB ≥ 0 or null (no limit)');
  c.field(cg, 'maxKiB', 'cgroup.maxKiB', kibOrNull, false);
  c.field(cg, 'swapKiB', 'cgroup.swapKiB', kib, false);
  c.field(cg, 'swapLimitKiB', 'cgroup.swapLimitKiB', kibOrNull, false);
}

function checkProcesses(c: Collector, processes: unknown): void {
  if (!Array.isArray(processes)) return c.add('processes', `expected an array, got ${show(processes)}`);
  const seen = new Set<unknown>();
  processes.forEach((p: unknown, i) => {
    const at = `processes[${i}]`;
    if (!isObj(p)) return c.add(at, `expected an object, got ${show(p)}`);
    for (const k of PROCESS_KEYS) c.field(p, k, `${at}.${k}`, PROCESS_CHECKS[k], true);
    for (const k of PROCESS_OPTIONAL_KEYS) c.field(p, k, `${at}.${k}`, PROCESS_CHECKS[k], false);
    if (seen.has(p.pid)) c.add(`${at}.pid`, `duplicate pid ${show(p.pid)}`);
    seen.add(p.pid);
  });
}

function checkScopes(c: Collector, scopes: unknown): void {
  if (!Array.isArray(scopes)) return c.add('scopes', `expected an array, got ${show(scopes)}`);
  scopes.forEach((sc: unknown, i) => {
    const at = `scopes[${i}]`;
    if (!isObj(sc)) return c.add(at, `expected an object, got ${show(sc)}`);
    c.field(sc, 'path', `${at}.path`, str, true);
    c.field(sc, 'oomdAvoid', `${at}.oomdAvoid`, bool, false);
    c.field(sc, 'oomdOmit', `${at}.oomdOmit`, bool, false);
    c.field(sc, 'memoryCurrentKiB', `${at}.memoryCurrentKiB`, kib, false);
  });
}

/** Check one parsed JSON value against v1. `where` prefixes messages ("line 3", "snapshot"). */
function validateSnapshot(value: unknown, where: string): { snapshot?: Snapshot; errors: string[] } {
  const c = new Collector(where);
  if (!isObj(value)) {
    c.add('snapshot', `expected a JSON object, got ${show(value)}`);
    return { errors: c.errors };
  }
  if (value.version !== SNAPSHOT_VERSION) {
    const got = value.version === undefined ? 'no version field' : `version ${show(value.version)}`;
    c.add('version', `${got}; this reader knows version ${SNAPSHOT_VERSION}`);
    return { errors: c.errors };
  }
  c.field(value, 'timeMs', 'timeMs', num, false);
  checkMemory(c, value.memory);
  if (value.cgroup !== undefined) checkCgroup(c, value.cgroup);
  checkProcesses(c, value.processes);
  if (value.scopes !== undefined) checkScopes(c, value.scopes);
  return c.errors.length > 0 ? { errors: c.errors } : { snapshot: value as unknown as Snapshot, errors: [] };
}

function tryJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** One snapshot (JSON) or many (NDJSON). Never throws: problems come back in `errors`. */
export function parseSnapshotText(text: string): SnapshotParseResult {
  const out: SnapshotParseResult = { snapshots: [], errors: [] };
  if (typeof text !== 'string' || text.trim() === '') {
    out.errors.push('no snapshot found: the input is empty');
    return out;
  }
  const lines = text.split('\n');
  const nonEmpty = lines.filter((l) => l.trim() !== '').length;
  const whole = tryJson(text);
  const ndjson = whole.error !== undefined && nonEmpty > 1 && lines.some((l) => isObj(tryJson(l).value));
  if (!ndjson) {
    if (whole.error !== undefined) {
      out.errors.push(`${nonEmpty === 1 ? 'line 1' : 'snapshot'}: invalid JSON: ${whole.error}`);
      return out;
    }
    const r = validateSnapshot(whole.value, nonEmpty === 1 ? 'line 1' : 'snapshot');
    if (r.snapshot) out.snapshots.push(r.snapshot);
    out.errors.push(...r.errors);
    return out;
  }
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = tryJson(line);
    if (parsed.error !== undefined) return void out.errors.push(`line ${i + 1}: invalid JSON: ${parsed.error}`);
    const r = validateSnapshot(parsed.value, `line ${i + 1}`);
    if (r.snapshot) out.snapshots.push(r.snapshot);
    out.errors.push(...r.errors);
  });
  return out;
}

/** A coded error for callers that want all-or-nothing. */
export class SnapshotFormatError extends Error {
  readonly code = 'REAPD_SNAPSHOT_INVALID';
  constructor(readonly errors: readonly string[]) {
    super(errors.length === 1 ? (errors[0] as string) : `${errors.length} problems:\n  ${errors.join('\n  ')}`);
    this.name = 'SnapshotFormatError';
  }
}

/** parseSnapshotText, but throw SnapshotFormatError when anything is wrong. */
export function parseSnapshotsOrThrow(text: string): Snapshot[] {
  const r = parseSnapshotText(text);
  if (r.errors.length > 0) throw new SnapshotFormatError(r.errors);
  return r.snapshots;
}

/** A copy with `known` keys first (in that order, undefined ones left out), then the rest sorted. */
function ordered(obj: Obj, known: readonly string[]): Obj {
  const out: Obj = {};
  for (const k of known) if (obj[k] !== undefined) out[k] = obj[k];
  for (const k of Object.keys(obj).filter((x) => !known.includes(x)).sort()) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** One line of JSON (no trailing newline) with a stable key order: diffable, NDJSON-ready. */
export function serializeSnapshot(s: Snapshot): string {
  const top = ordered(s as unknown as Obj, TOP_KEYS);
  top.memory = ordered(s.memory as unknown as Obj, MEMORY_KEYS);
  if (s.cgroup) top.cgroup = ordered(s.cgroup as unknown as Obj, CGROUP_KEYS);
  top.processes = s.processes.map((p) => ordered(p as unknown as Obj, ALL_PROCESS_KEYS));
  return JSON.stringify(top);
}
