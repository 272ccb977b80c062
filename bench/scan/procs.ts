// Extra idle processes for the scan benchmark: one spawner (sleepers.c, or a shell loop
// where there is no cc) forks N children; stop() makes the spawner SIGKILL each child by
// pid and reap it, then waits for the spawner itself.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Sleepers {
  count: number;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, prefix: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for "${prefix}"`)), timeoutMs);
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const line = buffered.split('\n').find((l) => l.startsWith(prefix));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(line);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`spawner exited (${code}) before "${prefix}"`));
    });
  });
}

/** Start n sleepers. spawnerBinary: the compiled sleepers.c, or undefined for the shell loop. */
export async function startSleepers(n: number, spawnerBinary: string | undefined): Promise<Sleepers> {
  const child = spawnerBinary
    ? spawn(spawnerBinary, [String(n)], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 100000 & i=$((i+1)); done; echo "ready ${n}"; read x; kill -9 $(jobs -p); wait; echo reaped`], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await waitForLine(child, 'ready', 300_000);
  return {
    count: Number(ready.split(' ')[1]),
    stop: async () => {
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 120_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
