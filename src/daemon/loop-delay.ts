// Opt-in measurement of the main loop's stalls (REAPD_LOOP_DELAY=1): the largest delay of
// the event loop while the daemon ran, logged once at stop as `loop-delay`. Off by default
// because the histogram's sampling timer wakes the process every few ms, and the daemon
// otherwise makes no periodic wakeups. The reload soak (test/cli/run-reload-soak.test.ts)
// reads it; docs/performance.md reports the number.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from './logger.js';

const LOOP_DELAY_ENV = 'REAPD_LOOP_DELAY';
/** Sampling resolution, ms: finer than the 50 ms stall budget the soak checks against. */
const RESOLUTION_MS = 5;

export function startLoopDelay(env: NodeJS.ProcessEnv = process.env): IntervalHistogram | undefined {
  if (env[LOOP_DELAY_ENV] !== '1') return undefined;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  return h;
}

export function logLoopDelay(h: IntervalHistogram | undefined, logger: Logger): void {
  if (!h) return;
  h.disable();
  // Each sample is a full timer interval, so max is the worst stall plus up to one resolution.
  const ms = (ns: number): number => Math.round((ns / 1e6) * 100) / 100;
  logger.info('loop-delay', `main loop delay: max ${ms(h.max)} ms, p99 ${ms(h.percentile(99))} ms over ${h.count} samples (resolution ${RESOLUTION_MS} ms)`, {
    maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), samples: h.count, resolutionMs: RESOLUTION_MS,
  });
}
