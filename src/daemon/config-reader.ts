// The configuration as a reload reads it: on a worker thread with its own heap limit and a
// deadline, so no file can stall the main loop (which runs the triggers and the kills) or
// take the daemon down with it. Measured before this existed (issue 11): a 1 MiB file of
// unknown keys held the main loop 4.7 s; a 2.2 MiB one aborted the daemon (heap out of
// memory under the re-exec's --max-old-space-size=128). The file limits themselves are in
// src/config/limits.ts; this bounds whatever is left.
import { Worker } from 'node:worker_threads';
import type { ConfigFlags } from '../config/flags.js';
import type { LoadResult } from '../config/load.js';

/** The worker's old generation, MiB: a 256 KiB file of 25,000 unknown keys validates in ~30 MiB. */
const WORKER_HEAP_MB = 96;
/** How long a reload may take to read and validate the file before it is given up. */
const RELOAD_READ_TIMEOUT_MS = 10_000;

const WORKER_URL = new URL('./config-worker.js', import.meta.url);

function failed(file: string, message: string): LoadResult {
  return { issues: [{ key: '', message }], file, partial: false };
}

/** checkConfigFile(path, flags), on a worker thread. Never rejects: a failure is an issue. */
export function readConfigOffThread(path: string | undefined, flags: ConfigFlags, timeoutMs = RELOAD_READ_TIMEOUT_MS): Promise<LoadResult> {
  const file = path ?? '(embedded default)';
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER_URL, {
      workerData: { path, flags },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
      stdout: true,
      stderr: true,
    });
    const settle = (r: LoadResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(failed(file, `reading the file took over ${timeoutMs} ms; given up`)), timeoutMs);
    worker.once('message', (r: LoadResult) => settle(r));
    worker.once('error', (e: Error & { code?: string }) => {
      const why = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `validating the file needed more than ${WORKER_HEAP_MB} MiB` : e.message;
      settle(failed(file, `cannot read the configuration: ${why}`));
    });
    worker.once('exit', (code) => settle(failed(file, `the configuration reader ended (exit code ${code}) without a result`)));
  });
}
