// [[process]] tables -> ProcessSpec (a table with `count` expands to many processes).
// Ranges spread deterministically: adj and start evenly over the group, constant sizes
// drawn from a PRNG seeded by the scenario's seed, so the same file gives the same processes.
import type { Issues } from './errors.js';
import type { Curve, ProcessSpec } from './types.js';
import { scopeNameProblem } from './scopes.js';
import { durationOf, isTable, sizeOf, TableReader, type Table } from './values.js';

/** mulberry32: a tiny, well-known 32-bit PRNG. Deterministic for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Spread<T> = (i: number, count: number) => T;

function even(lo: number, hi: number, round: boolean): Spread<number> {
  return (i, count) => {
    const v = count <= 1 ? lo : lo + ((hi - lo) * i) / (count - 1);
    return round ? Math.round(v) : v;
  };
}

/** A value or a [lo, hi] range of it. */
function rangeOf(r: TableReader, name: string, one: (v: unknown) => number | undefined, expected: string): [number, number] | undefined {
  const v = r.raw(name);
  if (v === undefined) return undefined;
  const pair = Array.isArray(v) ? v : [v, v];
  const lo = pair.length === 2 ? one(pair[0]) : undefined;
  const hi = pair.length === 2 ? one(pair[1]) : undefined;
  if (lo === undefined || hi === undefined || hi < lo) {
    r.issues.add(r.key(name), `expected ${expected}, or a range [low, high] of it`);
    return undefined;
  }
  return [lo, hi];
}

const PAGE_KIB = 4;
function pages(kib: number): number {
  return Math.round(kib / PAGE_KIB) * PAGE_KIB;
}

const SIZE = 'a size such as "200MiB"';

function sizeKey(r: TableReader, name: string, required: boolean): number | undefined {
  if (!r.has(name)) {
    if (required) r.issues.add(r.key(name), `required for this curve: ${SIZE}`);
    return undefined;
  }
  return r.size(name);
}

function durationKey(r: TableReader, name: string, fallback: number | undefined): number | undefined {
  if (!r.has(name)) {
    if (fallback === undefined) r.issues.add(r.key(name), 'required for this curve: a duration such as "30s"');
    return fallback;
  }
  return r.duration(name);
}

function readPoints(r: TableReader): Curve | undefined {
  const v = r.raw('points');
  const bad = (): undefined => {
    r.issues.add(r.key('points'), 'expected [[time, size], …] with times ascending, e.g. [["0s", "100MiB"], ["30s", "1GiB"]]');
    return undefined;
  };
  if (!Array.isArray(v) || v.length === 0) return bad();
  const points: Array<[number, number]> = [];
  for (const p of v) {
    const t = Array.isArray(p) && p.length === 2 ? durationOf(p[0]) : undefined;
    const s = Array.isArray(p) && p.length === 2 ? sizeOf(p[1]) : undefined;
    const last = points[points.length - 1];
    if (t === undefined || s === undefined || (last !== undefined && t < last[0])) return bad();
    points.push([t, pages(s)]);
  }
  return { kind: 'points', points };
}

/** A curve table (one process of the group: sizes already single values). */
function readCurve(table: Table, path: string, issues: Issues, sizeDraw: () => number): Curve | undefined {
  const r = new TableReader(table, path, issues);
  const kind = r.enumOf('curve', ['constant', 'ramp', 'step', 'leak', 'sawtooth', 'points'] as const);
  if (kind === undefined) {
    if (!r.has('curve')) issues.add(r.key('curve'), 'required: "constant", "ramp", "step", "leak", "sawtooth" or "points"');
    return undefined;
  }
  let curve: Curve | undefined;
  const size = (name: string): number => pages(sizeKey(r, name, true) ?? 0);
  switch (kind) {
    case 'constant': {
      const range = rangeOf(r, 'size', sizeOf, SIZE);
      if (!range) issues.add(r.key('size'), `required for this curve: ${SIZE}`);
      const [lo, hi] = range ?? [0, 0];
      curve = { kind, sizeKiB: pages(lo + (hi - lo) * sizeDraw()) };
      break;
    }
    case 'ramp':
      curve = { kind, fromKiB: size('from'), toKiB: size('to'), atMs: durationKey(r, 'at', 0) ?? 0, overMs: durationKey(r, 'over', undefined) ?? 0 };
      break;
    case 'step':
      curve = { kind, fromKiB: size('from'), toKiB: size('to'), atMs: durationKey(r, 'at', undefined) ?? 0 };
      break;
    case 'leak': {
      const rateKiBps = r.rate('rate');
      if (!r.has('rate')) issues.add(r.key('rate'), 'required for this curve: a rate such as "20MiB/s"');
      const max = r.has('max') ? r.size('max') : undefined;
      curve = { kind, fromKiB: size('from'), rateKiBps: rateKiBps ?? 0, maxKiB: max === undefined ? null : pages(max) };
      break;
    }
    case 'sawtooth':
      curve = { kind, minKiB: size('min'), maxKiB: size('max'), periodMs: durationKey(r, 'period', undefined) ?? 0 };
      if (curve.periodMs <= 0 && r.has('period')) issues.add(r.key('period'), 'must be more than 0');
      break;
    case 'points':
      curve = readPoints(r);
      break;
  }
  r.rejectUnknown();
  return curve;
}

function readMemory(r: TableReader, sizeDraw: () => number): Curve {
  const v = r.raw('memory');
  const path = r.key('memory');
  if (v === undefined) {
    r.issues.add(path, 'required: a size ("200MiB"), a range (["40MiB", "200MiB"]) or a curve table');
    return { kind: 'constant', sizeKiB: 0 };
  }
  if (isTable(v)) return readCurve(v, path, r.issues, sizeDraw) ?? { kind: 'constant', sizeKiB: 0 };
  return readCurve({ curve: 'constant', size: v }, path, r.issues, sizeDraw) ?? { kind: 'constant', sizeKiB: 0 };
}

export interface ProcessGroup {
  /** The name as written (with "{i}"): events may target the whole group by it. */
  template: string;
  members: ProcessSpec[];
}

export function readProcessGroup(table: Table, path: string, issues: Issues, defaultDomain: string, random: () => number): ProcessGroup {
  const r = new TableReader(table, path, issues);
  const template = r.string('name') ?? '';
  if (!r.has('name')) issues.add(r.key('name'), 'required: the process name (comm); "{i}" numbers the members of a group');
  const count = r.number('count', 1, 100_000, true) ?? 1;
  const adj = rangeOf(r, 'adj', (v) => (typeof v === 'number' && Number.isInteger(v) && v >= -1000 && v <= 1000 ? v : undefined), 'an integer from -1000 to 1000') ?? [0, 0];
  const start = r.raw('start') === 'never' ? null : (rangeOf(r, 'start', durationOf, 'a duration such as "30s" (or "never")') ?? [0, 0]);
  const stopMs = r.has('stop') ? (r.duration('stop') ?? null) : null;
  const domain = r.string('domain') ?? defaultDomain;
  const scope = r.string('scope') ?? null;
  const scopeProblem = scope === null ? undefined : scopeNameProblem(scope);
  if (scopeProblem !== undefined) issues.add(r.key('scope'), scopeProblem);
  const uid = r.number('uid', 0, 2 ** 32 - 1, true) ?? 1000;
  const fileKiB = pages(r.size('file') ?? 0);
  const shmemKiB = pages(r.size('shmem') ?? 0);
  const cpu = r.number('cpu', 0, 4096) ?? 0.05;
  const flags = {
    frozen: r.boolean('frozen') ?? false,
    cpuStarved: r.boolean('cpu_starved') ?? false,
    sharedMm: r.boolean('shared_mm') ?? false,
    kernelThread: r.boolean('kernel_thread') ?? false,
  };
  const members: ProcessSpec[] = [];
  for (let i = 0; i < count; i++) {
    const anon = readMemory(i === 0 ? r : new TableReader(table, path, new IssuesSink()), random);
    members.push({
      name: template.replaceAll('{i}', String(i + 1)),
      domain,
      uid,
      adj: even(adj[0], adj[1], true)(i, count),
      startMs: start === null ? null : even(start[0], start[1], true)(i, count),
      stopMs,
      anon,
      fileKiB,
      shmemKiB,
      cpu,
      ...flags,
      scope: scopeProblem === undefined ? scope : null,
    });
  }
  const long = members.find((m) => new TextEncoder().encode(m.name).length > 15);
  if (long) issues.add(r.key('name'), `${JSON.stringify(long.name)} is longer than 15 bytes: the kernel keeps 15 of a comm`);
  r.rejectUnknown();
  return { template, members };
}

/** Swallows the repeated issues of group members 2…n (member 1 already reported them). */
class IssuesSink {
  readonly list: never[] = [];
  add(): void {}
}
