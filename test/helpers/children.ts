// Plain child processes for tests: start one (resolved once it has spawned) and SIGKILL
// and reap it by its own handle — only ever a process the test started.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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

/**
 * Make a process's pid go to its successor: start `oldExe` (`whileOld(pid)` runs while it
 * lives), reap it, set ns_last_pid so the next process takes the same pid, start `newExe`
 * and run `withSuccessor(pid)`; both are reaped after. Other processes on the machine may
 * take the pid first: up to 10 attempts. False when every attempt lost the pid.
 * Needs a writable /proc/sys/kernel/ns_last_pid (skip.ts needSetLastPid).
 */
export async function withReusedPid(
  oldExe: string,
  newExe: string,
  whileOld: (pid: number) => Promise<void>,
  withSuccessor: (pid: number) => Promise<void>,
): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const old = await startChild(oldExe, ['1000']);
    const pid = old.pid as number;
    try {
      await whileOld(pid);
    } finally {
      await reapChild(old);
    }
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const successor = await startChild(newExe, ['1000']);
    try {
      if (successor.pid !== pid) continue;
      await withSuccessor(pid);
      return true;
    } finally {
      await reapChild(successor);
    }
  }
  return false;
}
