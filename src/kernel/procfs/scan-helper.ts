// A second thread for the incremental scan's bulk reads. Measured with 2,000 processes
// in a memcg on this machine's 2 cores: statm + oom_score_adj through held fds cost
// ~3 µs a process (the kernel's part; the JS around it is small), listing cgroup.procs
// another ~1.5 ms — together most of a 10 ms event → SIGKILL budget. The helper reads
// items from the top of the job while the main thread lists the domain, reads the new
// processes in full, then reads items from the bottom up until the two meet.
//
// Work stealing, not a split: if the helper does not get a CPU (the other core busy),
// the main thread simply claims every item itself, so a busy machine is never slower
// than one thread. Safety: the helper only preads fds that the main thread keeps open
// until every item of the job is DONE (the scanner closes no fd of a job entry before
// finish() returns), so it can never read a reused fd number.
import { Worker } from 'node:worker_threads';
import { threadNowMs } from '../clock.js';
import {
  allocateScanHelperMemory, C_COUNT, C_DONE_GEN, C_GEN, C_STOP, CLAIMED, DONE, IDLE, JOB_INTS, PENDING,
  readItem, RESULT_DOUBLES, type ScanHelperMemory,
} from './scan-helper-memory.js';

/** How long finish() waits for the helper's last item before giving up on the helper. */
const HELPER_TIMEOUT_MS = 2000;

export class ScanHelper {
  readonly memory: ScanHelperMemory;
  readonly capacity: number;
  private worker: Worker | undefined;
  private count = 0;
  private buf = Buffer.alloc(4096);
  /** Set when the helper failed or timed out: the main thread reads everything from then on. */
  broken = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.memory = allocateScanHelperMemory(capacity);
    try {
      const worker = new Worker(new URL('./scan-helper-thread.js', import.meta.url), {
        workerData: this.memory,
        // The helper allocates almost nothing (one read buffer): keep its heap small.
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
      });
      worker.on('error', () => (this.broken = true));
      worker.on('exit', () => (this.broken = true));
      worker.unref();
      this.worker = worker;
    } catch {
      this.broken = true;
    }
  }

  /** Publish a job of `count` items (jobs[] written by the caller) and wake the helper. */
  start(count: number): void {
    const { control, state } = this.memory;
    this.count = count;
    // Plain writes (an Atomics.store each costs ~0.3 µs here, 0.6 ms for 2,000 items): the
    // helper reads them only after the seq-cst add to C_GEN below, which publishes them.
    state.fill(PENDING, 0, count);
    Atomics.store(control, C_COUNT, count);
    Atomics.add(control, C_GEN, 1);
    if (!this.broken) Atomics.notify(control, C_GEN);
  }

  /** The held fds of item i. */
  setJob(i: number, statmFd: number, scoreFd: number, adjFd: number): void {
    const j = i * JOB_INTS;
    this.memory.jobs[j] = statmFd;
    this.memory.jobs[j + 1] = scoreFd;
    this.memory.jobs[j + 2] = adjFd;
  }

  /**
   * Read the items the helper has not claimed, from the bottom up, then wait until the
   * helper's are DONE. False when the helper did not finish in time: its items' fds may
   * still be in use (the caller must not close them) and the helper is given up.
   */
  finish(): boolean {
    const { control, state } = this.memory;
    for (let i = 0; i < this.count; i++) {
      if (Atomics.compareExchange(state, i, PENDING, CLAIMED) !== PENDING) break;
      readItem(this.memory, i, this.buf);
      Atomics.store(state, i, DONE);
    }
    const deadline = threadNowMs() + HELPER_TIMEOUT_MS;
    for (let i = 0; i < this.count; i++) {
      // The helper finishes the item it holds, finds the next one claimed and says so.
      while (Atomics.load(state, i) !== DONE) {
        // Unclaimed after all (a helper that woke late works from where it stopped): read it here.
        if (Atomics.compareExchange(state, i, PENDING, CLAIMED) === PENDING) {
          readItem(this.memory, i, this.buf);
          Atomics.store(state, i, DONE);
          break;
        }
        const doneGen = Atomics.load(control, C_DONE_GEN);
        if (threadNowMs() > deadline) {
          this.giveUp();
          return false;
        }
        if (Atomics.load(state, i) !== DONE) Atomics.wait(control, C_DONE_GEN, doneGen, 5);
      }
    }
    return true;
  }

  /** Item i's result slot offset in memory.results. */
  resultAt(i: number): number {
    return i * RESULT_DOUBLES;
  }

  /** After finish(): nothing is claimable until the next start(). */
  idle(): void {
    this.memory.state.fill(IDLE, 0, this.count); // every item is DONE: nobody claims meanwhile
    this.count = 0;
  }

  /** Claimed by the helper and not DONE: what a timed-out finish() left behind. */
  inFlight(i: number): boolean {
    return Atomics.load(this.memory.state, i) === CLAIMED;
  }

  private giveUp(): void {
    this.broken = true;
    this.stop();
  }

  /** Stop the helper thread (it is waiting, or finishing its item). */
  stop(): void {
    const { control } = this.memory;
    Atomics.store(control, C_STOP, 1);
    Atomics.add(control, C_GEN, 1);
    Atomics.notify(control, C_GEN);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate().catch(() => undefined);
  }
}
