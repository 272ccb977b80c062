// Real memory hogs for integration tests and benchmarks: a small C program compiled
// once per run with the machine's cc (test/helpers/hog.c), placed in cgroups and given
// an oom_score_adj before it allocates anything.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

let hogPath: string | undefined;

/** Path of the compiled hog (compiled on first use). Throws when cc is missing. */
export function hogBinary(): string {
  if (hogPath) return hogPath;
  const src = join(REPO_ROOT, 'test', 'helpers', 'hog.c');
  const hash = createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `reapd-hog-${hash}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, src]);
  hogPath = out;
  return out;
}

export interface HogOptions {
  mib: number;
  /** Grow in steps of stepMiB every stepMs (default: all at once). */
  stepMiB?: number;
  stepMs?: number;
  oomScoreAdj?: number;
  /** cgroup directories (v1 or v2) whose cgroup.procs the hog joins before allocating. */
  cgroups?: string[];
  /** comm to show (exec -a sets argv[0]; comm follows the binary name, so we copy the binary). */
  name?: string;
}

export interface Hog {
  child: ChildProcess;
  pid: number;
  /** Resolves when the hog printed "ready" (all memory touched). */
  ready: Promise<void>;
  /** Resolves with the lines printed so far each time a line arrives. */
  lines: string[];
  /** Resolves when the process exits (code, signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL by pid (only ever our own child) and wait for it to be reaped. */
  kill(): Promise<void>;
}

export function spawnHog(opts: HogOptions): Hog {
  const bin = hogBinary();
  const setup: string[] = [];
  for (const cg of opts.cgroups ?? []) setup.push(`echo $$ > '${cg}/cgroup.procs'`);
  if (opts.oomScoreAdj !== undefined) setup.push(`echo ${opts.oomScoreAdj} > /proc/$$/oom_score_adj`);
  const args = [String(opts.mib)];
  if (opts.stepMiB !== undefined) args.push(String(opts.stepMiB), String(opts.stepMs ?? 0));
  let exe = bin;
  if (opts.name) {
    exe = join(tmpdir(), `${opts.name}`);
    if (!existsSync(exe)) execFileSync('cp', [bin, exe]);
  }
  const script = `${setup.join(' && ')}${setup.length ? ' && ' : ''}exec '${exe}' ${args.join(' ')}`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        lines.push(line);
        if (line === 'ready') resolve();
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`hog exited before ready (code ${code}, signal ${signal})`)));
  });
  ready.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn failed');
  return {
    child,
    pid,
    ready,
    lines,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Wait for a condition with a timeout (every wait in a test has one). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
