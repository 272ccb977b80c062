// The daemon's log: one line per event. Human by default ("12:00:01.234 info  [apps]
// killing a.out …"); JSON lines with --log-format json:
//   {"time":"2025-…Z","level":"info","event":"kill","domain":"apps","msg":"…", …fields}
// Lines are written synchronously (stdout/stderr to a pipe or file is synchronous on
// Linux), so nothing is lost when the daemon exits right after a kill.
import type { LogLevel } from '../model/log-level.js';
import type { LogFormat } from '../config/types.js';
import { systemClock } from '../kernel/clock.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogOutput {
  write(line: string): void;
}

const stdoutOutput: LogOutput = { write: (line) => void process.stdout.write(line) };

interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  out?: LogOutput;
  /** Wall clock, ms since the epoch (injected for tests). */
  wallMs?: () => number;
}

export interface Log {
  log(level: LogLevel, event: string, msg: string, fields?: Record<string, unknown>): void;
  debug(event: string, msg: string, fields?: Record<string, unknown>): void;
  info(event: string, msg: string, fields?: Record<string, unknown>): void;
  warn(event: string, msg: string, fields?: Record<string, unknown>): void;
  error(event: string, msg: string, fields?: Record<string, unknown>): void;
}

export class Logger implements Log {
  private format: LogFormat;
  private level: LogLevel;
  private readonly out: LogOutput;
  private readonly wallMs: () => number;

  constructor(opts: LoggerOptions) {
    this.format = opts.format;
    this.level = opts.level;
    this.out = opts.out ?? stdoutOutput;
    this.wallMs = opts.wallMs ?? systemClock.wallMs;
  }

  /** SIGHUP may change both. */
  configure(format: LogFormat, level: LogLevel): void {
    this.format = format;
    this.level = level;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: LogLevel, event: string, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const time = new Date(this.wallMs()).toISOString();
    this.out.write(this.format === 'json' ? jsonLine(time, level, event, msg, fields) : humanLine(time, level, msg, fields));
  }

  debug(event: string, msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', event, msg, fields);
  }
  info(event: string, msg: string, fields?: Record<string, unknown>): void {
    this.log('info', event, msg, fields);
  }
  warn(event: string, msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', event, msg, fields);
  }
  error(event: string, msg: string, fields?: Record<string, unknown>): void {
    this.log('error', event, msg, fields);
  }

  /** A view that stamps every line with a domain name. */
  forDomain(domain: string): Log {
    const log = (level: LogLevel, event: string, msg: string, fields?: Record<string, unknown>): void =>
      this.log(level, event, msg, { domain, ...fields });
    return {
      log,
      debug: (e, m, f) => log('debug', e, m, f),
      info: (e, m, f) => log('info', e, m, f),
      warn: (e, m, f) => log('warn', e, m, f),
      error: (e, m, f) => log('error', e, m, f),
    };
  }
}

/** The line's own keys: a field of the same name is kept as field_<name>, never in their place. */
const CORE_KEYS = new Set(['time', 'level', 'event', 'domain', 'msg']);

function jsonLine(time: string, level: LogLevel, event: string, msg: string, fields: Record<string, unknown>): string {
  const { domain, ...rest } = fields;
  const record: Record<string, unknown> = { time, level, event };
  if (domain !== undefined) record.domain = domain;
  record.msg = msg;
  for (const [k, v] of Object.entries(rest)) record[CORE_KEYS.has(k) ? `field_${k}` : k] = v;
  return `${JSON.stringify(record, jsonReplacer)}\n`;
}

/** BigInt (eventfd counters) as numbers; Errors as their message. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Error) return value.message;
  return value;
}

function humanLine(time: string, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const clock = time.slice(11, 23);
  const domain = typeof fields.domain === 'string' ? `[${fields.domain}] ` : '';
  return `${clock} ${level.padEnd(5)} ${domain}${msg}\n`;
}
