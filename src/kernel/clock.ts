// The real Clock and the daemon's one monotonic time base: the only place that reads
// time (DESIGN.md example 10). Pure layers get time through the Clock port.
import type { Clock } from '../engine/ports.js';

/**
 * Monotonic ms (µs resolution), the same in every thread of the process.
 * performance.now() has a per-thread origin (a worker's starts when the worker does), and
 * performance.timeOrigin comes from the wall clock, which NTP may step between the start
 * of the main thread and a (re)started worker. process.hrtime is CLOCK_MONOTONIC in every
 * thread, so a time taken in the kill worker compares with one taken on the main thread.
 */
export function threadNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export const systemClock: Clock = {
  nowMs: threadNowMs,
  wallMs: () => Date.now(),
};
