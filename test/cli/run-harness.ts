// Runs `node dist/src/cli/main.js run …` as a child for end-to-end tests: a temp directory
// for its config and journal, --log-format json, its log lines parsed as they arrive.
// stop() sends SIGTERM and waits for the exit (SIGKILL after a timeout), so a test
// never leaves a daemon behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN } from '../helpers/paths.js';

export type LogLine = Record<string, unknown> & { event: string; level: string; msg: string; domain?: string };

export interface ReapdOptions {
  /** TOML text written to DIR/reapd.toml and passed with --config (omit for the embedded default). */
  config?: string;
  args?: string[];
  /** Wrap the node command, e.g. ['unshare', '-m', 'sh', '-c', …] (see wrapScript). */
  wrap?: (nodeArgv: string[]) => string[];
  env?: NodeJS.ProcessEnv;
  /** The CLI entry to run (default: this tree's dist/src/cli/main.js); benchmarks compare trees. */
  bin?: string;
}

export class Reapd {
  readonly dir: string;
  readonly journalPath: string;
  readonly configPath: string;
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  stderr = '';
  child: ChildProcess | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  private buffered = '';
  private waiters: Array<() => void> = [];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'reapd-run-'));
    this.journalPath = join(this.dir, 'journal.jsonl');
    this.configPath = join(this.dir, 'reapd.toml');
  }

  /** Replace the config file (for SIGHUP tests). */
  writeConfig(text: string): void {
    writeFileSync(this.configPath, text);
  }

  start(o: ReapdOptions = {}): this {
    const argv = [o.bin ?? REAPD_BIN, 'run', '--log-format', 'json', '--journal', this.journalPath];
    if (o.config !== undefined) {
      this.writeConfig(o.config);
      argv.push('--config', this.configPath);
    }
    argv.push(...(o.args ?? []));
    const nodeArgv = [process.execPath, ...argv];
    const cmd = o.wrap ? o.wrap(nodeArgv) : nodeArgv;
    const child = spawn(cmd[0] ?? 'false', cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.on('data', (chunk: Buffer) => this.onData(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    return this;
  }

  private onData(text: string): void {
    this.buffered += text;
    let i: number;
    while ((i = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, i);
      this.buffered = this.buffered.slice(i + 1);
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        /* not a JSON line (should not happen with --log-format json) */
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  events(name: string, domain?: string): LogLine[] {
    return this.lines.filter((l) => l.event === name && (domain === undefined || l.domain === domain));
  }

  /** Resolves with the first line (from `from` on) matching; rejects after timeoutMs or on exit. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs: number, what: string, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const hit = this.lines.slice(from).find(pred);
      if (hit) return hit;
      if (exited) throw new Error(`reapd exited while waiting for ${what}\n${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitForEvent(event: string, timeoutMs: number, extra: (l: LogLine) => boolean = () => true, from = 0): Promise<LogLine> {
    return this.waitFor((l) => l.event === event && extra(l), timeoutMs, `event ${event}`, from);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }

  /** SIGTERM, wait; SIGKILL after timeoutMs. Returns how it ended. */
  async stop(timeoutMs = 8000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.child) return { code: null, signal: null };
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** Every line of the journal as written (a kill has two: signalled, then final). */
  journalLines(): Array<Record<string, unknown>> {
    if (!existsSync(this.journalPath)) return [];
    return readFileSync(this.journalPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** One record per kill, as readers show them (docs/journal-format.md, "Two records per kill"); warning records left out. */
  journal(): Array<Record<string, unknown>> {
    const lines = this.journalLines().filter((r) => r.type !== 'warning');
    const finished = new Set(lines.filter((r) => r.stage === 'final').map((r) => r.killId));
    return lines.filter((r) => !(r.stage === 'signalled' && finished.has(r.killId)));
  }

  /** Always: stop the daemon and remove the temp directory. */
  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  describe(): string {
    return `--- reapd log (last 40 lines) ---\n${this.raw.slice(-40).join('\n')}\n--- stderr ---\n${this.stderr.slice(-2000)}`;
  }
}

/** A shell command line for `sh -c`, quoting each argument. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}
