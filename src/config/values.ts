// Typed readers for configuration values. Each returns the value or an error message
// that says what was expected, with an example a user can copy.
import { parseDurationMs, parseSizeKiB } from '../model/units.js';

export type Read<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = <T>(message: string): Read<T> => ({ ok: false, message });

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'a table';
  return String(v);
}

export function readString(v: unknown): Read<string> {
  return typeof v === 'string' ? ok(v) : fail(`expected a string, got ${describe(v)}`);
}

export function readBoolean(v: unknown): Read<boolean> {
  return typeof v === 'boolean' ? ok(v) : fail(`expected true or false, got ${describe(v)}`);
}

export function readInteger(v: unknown, min: number, max: number): Read<number> {
  if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`expected an integer from ${min} to ${max}, got ${describe(v)}`);
  if (v < min || v > max) return fail(`must be from ${min} to ${max}, got ${v}`);
  return ok(v);
}

export function readEnum<T extends string>(v: unknown, values: readonly T[]): Read<T> {
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return ok(v as T);
  return fail(`expected one of ${values.map((x) => `"${x}"`).join(', ')}, got ${describe(v)}`);
}

/**
 * The longest duration a configuration may hold: one hour. Every duration ends up in a
 * timer or a kernel trigger; Node's timers overflow above 2^31 - 1 ms (24.8 days) and fire
 * at once, and no low-memory timeout is sensibly longer than minutes.
 */
const MAX_DURATION_MS = 3_600_000;

/** A duration: "200ms", "2s", "1m", or an integer number of ms; 0 to MAX_DURATION_MS. */
/** A size: "64MiB", "512KiB", "1GiB", "16384p" (pages), or an integer number of KiB. */
export function readSizeKiB(v: unknown): Read<number> {
  const kib = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? v : undefined) : typeof v === 'string' ? parseSizeKiB(v) : undefined;
  return kib === undefined ? fail(`expected a size such as "64MiB", "512KiB" or "16384p", got ${describe(v)}`) : ok(kib);
}

export function readDurationMs(v: unknown): Read<number> {
  const ms = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? v : undefined) : typeof v === 'string' ? parseDurationMs(v) : undefined;
  if (ms === undefined) return fail(`expected a duration such as "200ms" or "2s" (or an integer number of ms), got ${describe(v)}`);
  if (ms > MAX_DURATION_MS) return fail(`must be at most 1h, got ${describe(v)}`);
  return ok(ms);
}

/** A path, or "" for "none". */
export function readOptionalPath(v: unknown): Read<string | null> {
  if (typeof v !== 'string') return fail(`expected a path (or "" for none), got ${describe(v)}`);
  return ok(v === '' ? null : v);
}

export function readAbsolutePath(v: unknown): Read<string | null> {
  const r = readOptionalPath(v);
  if (r.ok && r.value !== null && !r.value.startsWith('/')) return fail(`expected an absolute path, got ${describe(v)}`);
  return r;
}

/**
 * A listen address: "127.0.0.1:9412", "[::1]:9412", "0.0.0.0:9412", or a port alone
 * ("9412", 9412), which means loopback; "" is none. Port 0 lets the kernel choose.
 */
export function readListenAddress(v: unknown): Read<{ host: string; port: number } | null> {
  const bad = fail<{ host: string; port: number } | null>(`expected an address such as "127.0.0.1:9412" or a port (or "" for none), got ${describe(v)}`);
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (text === undefined) return bad;
  if (text === '') return ok(null);
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost)?:)?(\d{1,5})$/.exec(text);
  if (!m) return bad;
  const port = Number(m[2]);
  if (port > 65535) return fail(`port must be from 0 to 65535, got ${port}`);
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return ok({ host, port });
}

/** An array of strings (scope patterns). */
export function readStringList(v: unknown): Read<string[]> {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return fail(`expected an array of strings such as ["/kubepods.slice/*"], got ${describe(v)}`);
  return ok(v as string[]);
}

/** "system", a D-Bus address ("unix:path=/run/dbus/system_bus_socket"), or "" for off. */
export function readBusAddress(v: unknown): Read<string | null> {
  const bad = fail<string | null>(`expected "system", a bus address such as "unix:path=/run/reapd/bus", or "" (off), got ${describe(v)}`);
  if (typeof v !== 'string') return bad;
  if (v === '') return ok(null);
  return v === 'system' || /^(unix|tcp):\w+=/.test(v) ? ok(v) : bad;
}
