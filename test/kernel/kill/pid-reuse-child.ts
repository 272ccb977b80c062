// Runs as pid 1 of a fresh pid namespace (`unshare -p -f --mount-proc`), where pid
// allocation is deterministic: ns_last_pid makes the next process take a chosen pid.
// A process is ranked (pid, starttime), exits, and a new process takes its pid; the
// killer is then asked to kill the stale victim. Prints one JSON line with the facts.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { KernelKiller } from '../../../src/kernel/kill/main-thread-killer.js';
import { startTimeOf, stateOf, victimOf } from './helpers.js';

function start(): Promise<ChildProcess> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function main(): Promise<void> {
  const useWorker = process.argv[2] !== 'inline';
  // The worker's threads take pids in this namespace too: start it before we count.
  const killer = new KernelKiller({ useWorker });
  await killer.ready();
  const ranked = await start();
  const pid = ranked.pid as number;
  const rankedVictim = victimOf(pid, 1);
  ranked.kill('SIGKILL');
  await exited(ranked);
  // starttime counts 10 ms ticks: make sure the newcomer starts in a later tick.
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
  const newcomer = await start();
  const samePid = newcomer.pid === pid;
  const [stale] = await killer.kill([rankedVictim], { dryRun: false });
  await new Promise((r) => setTimeout(r, 100));
  const newcomerState = stateOf(pid);
  const newcomerAlive = newcomer.exitCode === null && newcomer.signalCode === null && newcomerState !== undefined && newcomerState !== 'Z';
  // Control: the newcomer itself, ranked with its own starttime, is killed.
  const [fresh] = await killer.kill([victimOf(pid, 1, startTimeOf(pid))], { dryRun: false });
  await killer.waitForExit(fresh ? [fresh] : [], 2000);
  await exited(newcomer);
  await killer.close();
  process.stdout.write(
    `${JSON.stringify({
      pid,
      samePid,
      rankedStartTime: rankedVictim.startTime,
      staleKilled: stale?.killed,
      staleError: stale?.error,
      newcomerAlive,
      freshKilled: fresh?.killed,
      newcomerSignal: newcomer.signalCode,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 1;
});
