// A tiny "daemon" for watchdog.test.ts: starts a Watchdog on a memcg domain, then on the
// command "block" either stalls its main thread in a busy loop (mode "stall") or stays
// responsive (mode "healthy") for BLOCK_MS. Prints JSON lines; the watchdog's own log
// lines go to stdout too (logFd 1), written from its thread while this one is stuck.
//   node watchdog-child.js MEMCG[,MEMCG…] stall|healthy BLOCK_MS   (several: one thread for all)
import { createInterface } from 'node:readline';
import { Watchdog } from '../../../src/daemon/watchdog/watchdog.js';

const [memcg, mode, blockArg] = process.argv.slice(2);
const blockMs = Number(blockArg ?? 4500);
const say = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const domains = (memcg ?? '').split(',').map((path) => ({
    memcg: path,
    policy: 'simple-lmk' as const,
    params: { minfreeKiB: 1024, reclaimTimeoutMs: 1000 },
    thresholds: { headroomBelowKiB: 4096 },
  }));
  const dog = await Watchdog.startDomains(domains, {
    stallMs: 2000,
    logFd: 1,
    log: (level, event, message) => say({ t: 'log', level, event, message }),
    onAction: (action) => say({ t: 'action', domain: action.domain, pids: action.results.map((r) => r.victim.pid), killed: action.results.map((r) => r.killed), silentMs: action.silentMs }),
  });
  say({ t: 'ready', sources: dog.sources, notes: dog.notes });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'block') {
      if (mode === 'stall') {
        const until = Date.now() + blockMs;
        while (Date.now() < until) { /* the main loop is stuck */ }
        say({ t: 'unblocked' });
      } else {
        await new Promise((r) => setTimeout(r, blockMs));
        say({ t: 'done', actions: dog.actions });
      }
    } else if (line === 'stop') {
      await dog.stop();
      say({ t: 'stopped' });
      break;
    }
  }
}

main().then(() => process.stdin.destroy(), (e: unknown) => {
  say({ t: 'error', message: String(e) });
  process.exitCode = 1;
  process.stdin.destroy();
});
