// Readers for scenario values: sizes ("64MiB", or a number of KiB), durations ("100ms",
// or a number of ms), rates ("20MiB/s"). Each returns undefined after recording an issue.
import { parseDurationMs, parseSizeKiB } from '../../model/units.js';
import { describeValue, type Issues } from './errors.js';

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads keys of one table; remembers which were read so the rest can be named unknown. */
export class TableReader {
  private readonly seen = new Set<string>();
  constructor(
    readonly table: Table,
    readonly path: string,
    readonly issues: Issues,
  ) {}

  key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  has(name: string): boolean {
    return this.table[name] !== undefined;
  }

  raw(name: string): unknown {
    this.seen.add(name);
    return this.table[name];
  }

  private fail(name: string, expected: string): undefined {
    this.issues.add(this.key(name), `expected ${expected}, got ${describeValue(this.table[name])}`);
    return undefined;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return typeof v === 'string' ? v : this.fail(name, 'a string');
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return typeof v === 'boolean' ? v : this.fail(name, 'true or false');
  }

  number(name: string, min: number, max: number, integer = false): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
    return ok ? v : this.fail(name, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }

  enumOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T)
      : this.fail(name, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  }

  size(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const kib = sizeOf(v);
    return kib !== undefined ? kib : this.fail(name, 'a size such as "512MiB" or "2GiB" (a bare number is KiB)');
  }

  duration(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const ms = durationOf(v);
    return ms !== undefined ? ms : this.fail(name, 'a duration such as "100ms", "30s" or "5m" (a bare number is ms)');
  }

  rate(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const r = rateOf(v);
    return r !== undefined ? r : this.fail(name, 'a rate such as "20MiB/s" or "1GiB/min" (a bare number is KiB/s)');
  }

  /** Every key present that no reader asked for is an error: typos must not pass silently. */
  rejectUnknown(extra: readonly string[] = []): void {
    for (const k of Object.keys(this.table)) {
      if (!this.seen.has(k) && !extra.includes(k)) this.issues.add(this.key(k), 'unknown key');
    }
  }
}

export function sizeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  return typeof v === 'string' ? parseSizeKiB(v) : undefined;
}

export function durationOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  return typeof v === 'string' ? parseDurationMs(v) : undefined;
}

const PER: Record<string, number> = { s: 1, sec: 1, min: 60, m: 60, h: 3600 };

/** KiB per second. */
function rateOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*([^/]+?)\s*\/\s*(s|sec|min|m|h)\s*$/i.exec(v);
  if (!m) return undefined;
  const kib = parseSizeKiB(m[1] ?? '');
  const per = PER[(m[2] ?? '').toLowerCase()];
  return kib === undefined || per === undefined ? undefined : kib / per;
}
