// One long-lived poll(2) over every watched fd, on one libuv pool thread
// (kernel-interfaces §0.1 "recommended I/O shape"):
//   - PSI trigger fds (POLLPRI), memcg eventfds (POLLIN), anything else pollable;
//   - one wake eventfd (POLLIN) that watch/unwatch/stop write to, so the blocked poll
//     returns and re-arms with the new set.
// The poll has no timeout (-1): with no pressure the daemon makes no periodic wakeups.
// Because a pool thread blocked in poll makes process.exit() hang (libuv joins its pool
// at exit, §0.1), the poller also writes its wake eventfd from a process 'exit' hook.
// With no fd watched the loop ends and no pool thread is held at all.
import {
  close, eventfd, eventfdRead, eventfdWrite, EFD_CLOEXEC, EFD_NONBLOCK, isSyscallError, PollSet, pollAsync,
  POLLERR, POLLHUP, POLLIN, POLLNVAL,
} from '../sys/index.js';
import { silentLog, type TriggerLog } from './types.js';

/** Called on the main thread with the poll revents of a ready fd. */
export type ReadyHandler = (revents: number) => void;

interface Watch {
  fd: number;
  events: number;
  onReady: ReadyHandler;
}

export interface FdPollerOptions {
  log?: TriggerLog;
  /** poll(2) itself failed: no watched fd is polled any more (the daemon must stop and say so). */
  onFailed?: (message: string) => void;
}

export class FdPoller {
  private readonly log: TriggerLog;
  private readonly onFailed: ((message: string) => void) | undefined;
  private wakeFd: number;
  private readonly watches = new Map<number, Watch>();
  /** fds in the poll(2) call currently blocked on the pool thread. */
  private polling = new Set<number>();
  /** unwatch() callers waiting until the pool thread no longer polls their fd. */
  private released: Array<{ fd: number; resolve: () => void }> = [];
  private loop: Promise<void> | undefined;
  private stopped = false;
  private returns = 0;
  private readonly exitHook = (): void => this.wakeForExit();

  constructor(options: FdPollerOptions = {}) {
    this.log = options.log ?? silentLog;
    this.onFailed = options.onFailed;
    this.wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }

  /** How many times poll(2) returned: the number of wakeups (tests check it stays flat). */
  get pollReturns(): number {
    return this.returns;
  }

  /** Number of watched fds. */
  get size(): number {
    return this.watches.size;
  }

  /** True while a poll(2) is outstanding on the libuv pool. */
  get active(): boolean {
    return this.loop !== undefined;
  }

  /**
   * Watch fd for `events` (POLLPRI for PSI triggers, POLLIN for eventfds and pidfds).
   * onReady runs on this thread with the revents. If a handler leaves an fd that reported
   * POLLERR/POLLHUP/POLLNVAL watched, the poller drops it itself so it never spins.
   */
  watch(fd: number, events: number, onReady: ReadyHandler): void {
    if (this.stopped) throw new Error('FdPoller: watch() after stop()');
    if (this.watches.has(fd)) throw new Error(`FdPoller: fd ${fd} is already watched`);
    this.watches.set(fd, { fd, events, onReady });
    if (this.loop) this.wake();
    else this.loop = this.run();
  }

  /**
   * Stop watching fd. Resolves once the pool thread's poll no longer includes it, so the
   * caller may close it (closing an fd another thread polls leaves a stale entry, and a
   * reused number would be polled under the wrong owner).
   */
  unwatch(fd: number): Promise<void> {
    if (!this.watches.delete(fd)) return Promise.resolve();
    if (!this.polling.has(fd)) return Promise.resolve();
    return new Promise((resolve) => {
      this.released.push({ fd, resolve });
      this.wake();
    });
  }

  /** Wake the poll and resolve once the pool thread is released; closes the wake eventfd. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watches.clear();
    if (this.loop) {
      this.wake();
      await this.loop;
    }
    close(this.wakeFd);
    this.wakeFd = -1;
  }

  private wake(): void {
    if (this.wakeFd >= 0) eventfdWrite(this.wakeFd, 1n);
  }

  /** process 'exit': no JS runs after this, so one write releases the pool thread for good. */
  private wakeForExit(): void {
    this.stopped = true;
    try {
      this.wake();
    } catch {
      /* exiting anyway */
    }
  }

  private async run(): Promise<void> {
    process.on('exit', this.exitHook);
    try {
      while (!this.stopped && this.watches.size > 0) await this.pollOnce();
    } finally {
      process.off('exit', this.exitHook);
      this.polling = new Set();
      this.settleReleased();
      this.loop = undefined;
    }
  }

  private async pollOnce(): Promise<void> {
    const watches = [...this.watches.values()];
    // `set` stays referenced by this frame until pollAsync settles (§0.1: a collected
    // pollfd buffer is a use-after-free in the kernel's write of revents).
    const set = new PollSet([{ fd: this.wakeFd, events: POLLIN }, ...watches]);
    this.polling = new Set(set.fds.slice(1));
    try {
      await pollAsync(set, -1);
    } catch (e) {
      if (isSyscallError(e, 'EINTR')) return;
      const message = `poll(2) over ${watches.length} trigger fds failed: ${String(e)}`;
      this.log('error', 'poll-failed', message);
      this.stopped = true;
      this.onFailed?.(message);
      return;
    } finally {
      this.returns++;
      this.polling = new Set();
      this.settleReleased();
    }
    if (set.revents(0) !== 0) this.drainWake();
    watches.forEach((w, i) => this.dispatch(w, set.revents(i + 1)));
  }

  private dispatch(w: Watch, revents: number): void {
    // Only the current owner of the fd hears about it (it may have been unwatched meanwhile).
    if (revents === 0 || this.watches.get(w.fd) !== w) return;
    try {
      w.onReady(revents);
    } catch (e) {
      this.log('error', 'trigger-handler-failed', `handler for fd ${w.fd} threw: ${String(e)}`);
    }
    if (revents & (POLLERR | POLLHUP | POLLNVAL) && this.watches.get(w.fd) === w) {
      this.watches.delete(w.fd);
      this.log('warn', 'fd-dropped', `fd ${w.fd} reported revents 0x${revents.toString(16)}; no longer polled`);
    }
  }

  private drainWake(): void {
    try {
      eventfdRead(this.wakeFd);
    } catch (e) {
      if (!isSyscallError(e, 'EAGAIN')) throw e;
    }
  }

  private settleReleased(): void {
    const waiting = this.released;
    this.released = [];
    for (const r of waiting) r.resolve();
  }
}
