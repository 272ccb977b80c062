// Worker thread for a reload: reads and validates the configuration file away from the
// main loop, under its own small heap (config-reader.ts). Posts the LoadResult back.
import { parentPort, workerData } from 'node:worker_threads';
import { checkConfigFile } from '../config/load.js';
import type { ConfigFlags } from '../config/flags.js';

const { path, flags } = workerData as { path: string | undefined; flags: ConfigFlags };
parentPort?.postMessage(checkConfigFile(path, flags));
