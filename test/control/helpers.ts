// Shared pieces of the control-socket tests: a server on a socket in a temp dir with a
// captured log and a settable clock, sleeping child processes to register, and clients in
// other processes (ownership is per sender pid).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ControlServer, type ControlServerOptions } from '../../src/control/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { waitFor, withTimeout } from '../helpers/hog.js';

export interface LogEntry {
  level: string;
  event: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface TestServer {
  server: ControlServer;
  path: string;
  dir: string;
  logs: LogEntry[];
  clock: { now: number };
  events(name: string): LogEntry[];
  stop(): Promise<void>;
}

export async function startServer(opts: Omit<ControlServerOptions, 'path' | 'log' | 'clock'> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-ctl-'));
  const path = join(dir, 'run', 'lmkd.sock'); // 'run' does not exist yet: start() creates it
  const logs: LogEntry[] = [];
  const clock = { now: 10_000 };
  const server = new ControlServer({
    ...opts,
    path,
    clock: { nowMs: () => clock.now, wallMs: () => Date.now() },
    log: (level, event, message, fields) => void logs.push({ level, event, message, fields }),
  });
  await server.start();
  return {
    server,
    path,
    dir,
    logs,
    clock,
    events: (name) => logs.filter((l) => l.event === name),
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Sleeper {
  pid: number;
  child: ChildProcess;
  kill(): Promise<void>;
}

/** A `sleep 60` child to register (killed and reaped by kill()). */
export async function sleeper(): Promise<Sleeper> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid as number,
    child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await withTimeout(exited, 5000, 'sleeper exit');
    },
  };
}

export interface RemoteClient {
  pid: number;
  events: Array<Record<string, unknown>>;
  call(op: string, ...args: unknown[]): Promise<unknown>;
  /** End the client process (its connection closes) and wait for it. */
  stop(): Promise<void>;
}

/** An LmkdClient in another process (test/control/remote-client.ts). */
export async function remoteClient(path: string): Promise<RemoteClient> {
  const script = join(REPO_ROOT, 'dist', 'test', 'control', 'remote-client.js');
  const child = spawn(process.execPath, [script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: Array<Record<string, unknown>> = [];
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(String(msg.error)));
    } else events.push(msg);
  });
  await waitFor(() => events.some((e) => e.event === 'ready'), 10_000, 'remote client ready');
  let nextId = 1;
  return {
    pid: child.pid as number,
    events,
    call: (op, ...args) =>
      withTimeout(
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
        }),
        10_000,
        `remote ${op}`,
      ),
    stop: async () => {
      child.stdin.end();
      await withTimeout(exited, 10_000, 'remote client exit').catch(() => {
        child.kill('SIGKILL');
        return exited;
      });
    },
  };
}
