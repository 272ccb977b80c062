// For watchdog.test.ts: start a Watchdog, then process.exit() without stopping it.
//   node watchdog-exit-child.js MEMCG
import { Watchdog } from '../../../src/daemon/watchdog/watchdog.js';

const dog = await Watchdog.start({ memcg: process.argv[2], policy: 'simple-lmk', params: { minfreeKiB: 1024, reclaimTimeoutMs: 1000 } });
process.stdout.write(`armed ${dog.sources.length} sources\n`);
setTimeout(() => process.exit(0), 50);
