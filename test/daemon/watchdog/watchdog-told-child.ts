// A tiny daemon for watchdog-told.test.ts: the daemon's own watchdog glue (startWatchdog,
// as `reapd run` calls it) on a memcg domain from a TOML config, with the daemon's real
// Prometheus metrics as its observer. On "block" the main thread busy-loops BLOCK_MS (the
// watchdog thread must act alone); once the loop runs again and the action has been told,
// it prints the journal records and the /metrics page as JSON lines.
//   node watchdog-told-child.js MEMCG BLOCK_MS
import { createInterface } from 'node:readline';
import { checkConfigText } from '../../../src/config/load.js';
import { Logger } from '../../../src/daemon/logger.js';
import { DaemonMetrics } from '../../../src/daemon/metrics.js';
import { startWatchdog } from '../../../src/daemon/watchdog/domain-watchdogs.js';
import { formatKillLine } from '../../../src/journal/format.js';
import type { KillRecord } from '../../../src/model/kill-record.js';

const [memcg, blockArg] = process.argv.slice(2);
const blockMs = Number(blockArg ?? 4500);
const say = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const toml = ['[daemon]', 'socket = ""', 'self_protect = false', 'watchdog_timeout = "2s"',
    '[[domain]]', 'name = "apps"', `memcg = "${memcg}"`, 'policy = "simple-lmk"', 'minfree = "1MiB"'].join('\n');
  const loaded = checkConfigText(toml, 'watchdog-told.toml');
  if (!loaded.config) throw new Error(`config: ${JSON.stringify(loaded.issues)}`);
  const logger = new Logger({ format: 'json', level: 'info', out: { write: (line) => void process.stdout.write(line) } });
  const metrics = new DaemonMetrics({ domains: () => [], controlClients: () => undefined, readPressure: () => Promise.reject(new Error('none')), version: 'test' });
  const records: KillRecord[] = [];
  const dog = await startWatchdog(loaded.config, { logger, journal: { append: (r) => void records.push(r) }, formatKill: formatKillLine, observer: metrics.observer });
  if (!dog) throw new Error('no watchdog started');
  say({ t: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'block') {
      const until = Date.now() + blockMs;
      while (Date.now() < until) { /* the main loop is stuck */ }
      // The action reaches this thread as a message once the loop runs: wait for it (bounded).
      for (let i = 0; i < 100 && records.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      say({ t: 'told', records, metrics: await metrics.registry.metrics() });
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
