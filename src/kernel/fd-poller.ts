// The one poll loop: a long-lived poll(2) over every watched fd, on one libuv pool thread
// (kernel-interfaces §0.1 "recommended I/O shape"). The daemon's triggers (PSI trigger
// fds with POLLPRI, memcg eventfds with POLLIN), the control server's sockets and pidfds,
// and the control client's connection each run on an instance of it.
//   - One wake eventfd (POLLIN) that watch/setEvents/release/stop write to, so the
//     blocked poll returns and re-arms with the new set.
//   - No timeout (-1): with no pressure the daemon makes no periodic wakeups. Because a
//     pool thread blocked in poll makes process.exit() hang (libuv joins its pool at exit,
//     §0.1), the poller also writes its wake eventfd from a process 'exit' hook.
//   - An fd is never closed while a poll may be watching it (its number could be reused
//     by the next open and the poll would report on the wrong file): release() runs its
//     `after` (usually: close it) once the poll in flight has returned.
//   - The PollSet buffer stays referenced while the poll runs (a collected Buffer is a
//     use-after-free in the kernel's write of revents).
//   - With no fd watched the loop ends and no pool thread is held at all.
// Handlers run on the main thread after the poll returns, so they never race each other.
import { close, eventfd, eventfdRead, eventfdWrite, EFD_CLOEXEC, EFD_NONBLOCK, PollSet, pollAsync, POLLERR, POLLHUP, POLLIN, POLLNVAL } from './sys/io.js';
import { isSyscallError } from './sys/errors.js';
import { silentLog, type TriggerLog } from './triggers/types.js';

/** Called on the main thread with the poll revents of a ready fd. */
type ReadyHandler = (revents: number) => void;

export interface Watch {
  readonly fd: number;
  events: number;
  readonly onReady: ReadyHandler;
  /** kernfs files (cgroup2 memory.events) report every change as POLLPRI|POLLERR. */
  readonly errorIsEvent?: boolean;
}

interface WatchOptions {
  /**
   * POLLERR is how this fd reports an ordinary change, not its end: a cgroup2 file
   * watched through kernfs_notify (memory.events) polls 0xa (POLLPRI|POLLERR) after each
   * change until it is read again from offset 0. The handler must then read the file and
   * unwatch the fd itself when that read fails (ENODEV once the group is removed).
   */
  errorIsEvent?: boolean;
}

interface FdPollerOptions {
  log?: TriggerLog;
  /**
   * Drop an fd whose handler left it watched after POLLERR/POLLHUP/POLLNVAL, so a dead
   * trigger never spins the loop (default true). A socket owner that reads a hung-up
   * connection to its end over several wakeups turns it off and releases the fd itself.
   */
  dropFailedFds?: boolean;
  /**
   * poll(2) itself failed: with this set, the loop stops (no watched fd is polled any more)
   * and calls it, so the daemon stops and says why; without it (the control socket, which
   * the daemon does not need to guard), the loop logs and polls again after 50 ms.
   */
  onFailed?: (message: string) => void;
}

/** After a poll(2) failure other than EINTR, wait this long before polling again (never spin). */
const POLL_RETRY_MS = 50;

export class FdPoller {
  private readonly log: TriggerLog;
  private readonly dropFailedFds: boolean;
  private readonly onFailed: ((message: string) => void) | undefined;
  private wakeFd: number;
  private readonly watches = new Map<number, Watch>();
  /** fds in the poll(2) call currently blocked on the pool thread. */
  private polling = new Set<number>();
  /** release() callbacks waiting until the pool thread no longer polls their fd. */
  private released: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  private stopped = false;
  private returns = 0;
  private readonly exitHook = (): void => this.wakeForExit();

  constructor(options: FdPollerOptions = {}) {
    this.log = options.log ?? silentLog;
    this.dropFailedFds = options.dropFailedFds ?? true;
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
   * Watch fd for `events` (POLLPRI for PSI triggers, POLLIN for eventfds, pidfds and
   * sockets). onReady runs on this thread with the revents.
   */
  watch(fd: number, events: number, onReady: ReadyHandler, options: WatchOptions = {}): Watch {
    if (this.stopped) throw new Error('FdPoller: watch() after stop()');
    if (this.watches.has(fd)) throw new Error(`FdPoller: fd ${fd} is already watched`);
    const w: Watch = { fd, events, onReady, errorIsEvent: options.errorIsEvent === true };
    this.watches.set(fd, w);
    if (this.loop) this.wake();
    else this.loop = this.run();
    return w;
  }

  /** Change what a watch waits for (e.g. add POLLOUT while a send queue is non-empty). */
  setEvents(w: Watch, events: number): void {
    if (w.events === events || this.watches.get(w.fd) !== w) return;
    w.events = events;
    if (this.polling.has(w.fd)) this.wake();
  }

  /**
   * Stop watching fd, then run `after` (usually: close it) once the pool thread's poll no
   * longer includes it — at once when no poll does.
   */
  release(fd: number, after?: () => void): void {
    this.watches.delete(fd);
    if (!after) return;
    if (!this.polling.has(fd)) {
      this.runSafely(after, fd);
      return;
    }
    this.released.push(after);
    this.wake();
  }

  /** release() as a promise: resolves once the caller may close fd. */
  unwatch(fd: number): Promise<void> {
    return new Promise((resolve) => this.release(fd, resolve));
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
    this.settleReleased();
    close(this.wakeFd);
    this.wakeFd = -1;
  }

  private wake(): void {
    if (this.wakeFd < 0) return;
    try {
      eventfdWrite(this.wakeFd, 1n);
    } catch (e) {
      // EAGAIN: the counter is saturated, so the poll is woken anyway.
      if (!isSyscallError(e, 'EAGAIN')) throw e;
    }
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
    // `set` stays referenced by this frame until pollAsync settles (see the top).
    const set = new PollSet([{ fd: this.wakeFd, events: POLLIN }, ...watches]);
    this.polling = new Set(set.fds.slice(1));
    let failed = false;
    try {
      await pollAsync(set, -1);
    } catch (e) {
      if (isSyscallError(e, 'EINTR')) return;
      failed = true;
      this.pollFailed(`poll(2) over ${watches.length} fds failed: ${String(e)}`);
    } finally {
      this.returns++;
      this.polling = new Set();
      this.settleReleased();
    }
    if (failed) return this.stopped ? undefined : new Promise((resolve) => setTimeout(resolve, POLL_RETRY_MS));
    if (set.revents(0) !== 0) this.drainWake();
    watches.forEach((w, i) => this.dispatch(w, set.revents(i + 1)));
  }

  private pollFailed(message: string): void {
    if (this.onFailed === undefined) {
      this.log('error', 'poll-failed', `${message}; polling again in ${POLL_RETRY_MS} ms`);
      return;
    }
    this.log('error', 'poll-failed', message);
    this.stopped = true;
    this.onFailed(message);
  }

  private dispatch(w: Watch, revents: number): void {
    // Only the current owner of the fd hears about it (it may have been released meanwhile).
    if (revents === 0 || this.watches.get(w.fd) !== w) return;
    this.runSafely(() => w.onReady(revents), w.fd);
    const ends = w.errorIsEvent === true ? POLLHUP | POLLNVAL : POLLERR | POLLHUP | POLLNVAL;
    if (this.dropFailedFds && revents & ends && this.watches.get(w.fd) === w) {
      this.watches.delete(w.fd);
      this.log('warn', 'fd-dropped', `fd ${w.fd} reported revents 0x${revents.toString(16)}; no longer polled`);
    }
  }

  private runSafely(f: () => void, fd: number): void {
    try {
      f();
    } catch (e) {
      this.log('error', 'handler-failed', `handler for fd ${fd} threw: ${String(e)}`);
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
    for (const after of waiting) this.runSafely(after, -1);
  }
}
