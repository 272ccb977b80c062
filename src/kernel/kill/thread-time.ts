// One monotonic time base shared by every thread of the process.
//
// performance.now() has a per-thread origin (a worker's starts when the worker does),
// and performance.timeOrigin comes from the wall clock, which NTP may step between the
// start of the main thread and a (re)started worker. process.hrtime is CLOCK_MONOTONIC,
// the same in every thread, so a time taken in the kill worker can be compared with one
// taken on the main thread. Milliseconds with microsecond resolution.
export function threadNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
