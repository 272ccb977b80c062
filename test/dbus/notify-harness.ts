// Runs `reapd notify` as a child for tests: its log lines (stdout) as they arrive, a wait
// for a line, and stop() (SIGTERM, SIGKILL after a timeout), so no notifier outlives a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { REAPD_BIN } from '../helpers/paths.js';
import { waitFor, withTimeout } from '../helpers/hog.js';

export class NotifyProcess {
  readonly lines: string[] = [];
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buffered = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [REAPD_BIN, 'notify', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stdout?.on('data', (c: Buffer) => {
      this.buffered += c.toString();
      let i: number;
      while ((i = this.buffered.indexOf('\n')) >= 0) {
        this.lines.push(this.buffered.slice(0, i));
        this.buffered = this.buffered.slice(i + 1);
      }
    });
    this.child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  /** Wait until at least n lines match. */
  async waitForLines(re: RegExp, n: number, timeoutMs: number): Promise<void> {
    await waitFor(() => this.count(re) >= n || this.child.exitCode !== null, timeoutMs, `${n} line(s) matching ${re}\n${this.describe()}`);
    if (this.count(re) < n) throw new Error(`reapd notify exited before ${re}\n${this.describe()}`);
  }

  describe(): string {
    return `reapd notify (exit ${this.child.exitCode ?? '-'}):\n${this.lines.join('\n')}\nstderr: ${this.stderr}`;
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    try {
      return await withTimeout(this.exited, 5000, 'reapd notify exits on SIGTERM');
    } catch (e) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw e;
    }
  }
}
