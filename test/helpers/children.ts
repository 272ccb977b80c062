// Plain child processes for tests: start one (resolved once it has spawned) and SIGKILL
// and reap it by its own handle — only ever a process the test started.
import { spawn, type ChildProcess } from 'node:child_process';
import { withTimeout } from './hog.js';

/** Start `exe args…` with no stdio; resolves once it has spawned (rejects if it cannot). */
export function startChild(exe: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(exe, args, { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

/** SIGKILL the child unless it has exited, and wait (5 s at most) until it is reaped. */
export async function reapChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await withTimeout(exited, 5000, 'child exit');
}
