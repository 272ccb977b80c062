// A watchdog test's child process: a node script that reports on stdout as JSON lines
// ({"t": ...}), driven by lines written to its stdin. Shared by watchdog.test.ts and
// watchdog-told.test.ts, whose children stall their main loop on command.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { waitFor } from '../../helpers/hog.js';
import { REPO_ROOT } from '../../helpers/paths.js';

export interface JsonChild {
  proc: ChildProcessByStdio<Writable, Readable, null>;
  /** Every stdout line, for a failure's message. */
  out: string[];
  /** The {"t": ...} lines, parsed, in order. */
  json: Array<Record<string, unknown>>;
  /** The first report of type `t`, waited for at most `ms`. */
  next(t: string, ms: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts dist/test/daemon/watchdog/NAME.js with `args`. */
export function startJsonChild(name: string, args: readonly string[]): JsonChild {
  const script = join(REPO_ROOT, 'dist', 'test', 'daemon', 'watchdog', `${name}.js`);
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: string[] = [];
  const json: Array<Record<string, unknown>> = [];
  let buffered = '';
  proc.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      out.push(line);
      if (line.startsWith('{"t":')) json.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const next = async (t: string, ms: number): Promise<Record<string, unknown>> => {
    await waitFor(() => json.some((j) => j.t === t), ms, `child "${t}" (output: ${out.join(' | ')})`);
    return json.find((j) => j.t === t) as Record<string, unknown>;
  };
  return { proc, out, json, next, exited };
}
