// One long-lived poll(2) on the libuv threadpool over every watched fd plus a wake eventfd
// (kernel-interfaces §0.1 "Recommended I/O shape"). Handlers run on the main thread after
// the poll returns, so they never race with each other.
//
// - The poll has a finite timeout (1000 ms) so a blocked pool thread can never hold up
//   process exit for longer than that; stop() wakes it at once.
// - The PollSet Buffer is held by the loop while the poll runs (a collected Buffer is a
//   use-after-free in the kernel's hands).
// - An fd is never closed while a poll may be watching it (its number could be reused by
//   the next open and the poll would report on the wrong file): release() defers the close
//   until the poll in flight has returned.
// - The loop ends when nothing is watched, so an idle reactor keeps no pool thread busy and
//   does not keep the process alive.
// One pool thread is blocked per running reactor: with the default UV_THREADPOOL_SIZE of
// 4, keep the process's other blocking calls in mind (the daemon raises it).
import { close, eventfd, eventfdRead, eventfdWrite, EFD_CLOEXEC, EFD_NONBLOCK, PollSet, pollAsync, POLLIN } from '../kernel/sys/index.js';
import { isSyscallError } from '../kernel/sys/errors.js';

export type ReadyHandler = (revents: number) => void;

export interface Watch {
  readonly fd: number;
  events: number;
  onReady: ReadyHandler;
  removed: boolean;
}

export interface ReactorOptions {
  pollTimeoutMs?: number;
  /** Where unexpected poll or handler errors go (the loop keeps running). */
  onError?: (e: unknown) => void;
}

export class Reactor {
  private readonly watches = new Map<number, Watch>();
  private readonly pendingCloses: Array<() => void> = [];
  private readonly wakeFd: number;
  private readonly timeoutMs: number;
  private readonly onError: (e: unknown) => void;
  private inFlight = false;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(opts: ReactorOptions = {}) {
    this.wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    this.timeoutMs = opts.pollTimeoutMs ?? 1000;
    this.onError = opts.onError ?? (() => undefined);
  }

  get watching(): number {
    return this.watches.size;
  }

  /** Watch fd for `events`; onReady runs on the main thread with the revents. */
  add(fd: number, events: number, onReady: ReadyHandler): Watch {
    if (this.stopped) throw new Error('reactor stopped');
    const old = this.watches.get(fd);
    if (old) old.removed = true;
    const w: Watch = { fd, events, onReady, removed: false };
    this.watches.set(fd, w);
    this.kick();
    return w;
  }

  /** Change what a watch waits for (e.g. add POLLOUT while a send queue is non-empty). */
  setEvents(w: Watch, events: number): void {
    if (w.removed || w.events === events) return;
    w.events = events;
    if (this.inFlight) this.wake();
  }

  /** Stop watching fd, then run `after` (usually: close it) once no poll can be using it. */
  release(fd: number, after?: () => void): void {
    const w = this.watches.get(fd);
    if (w) {
      w.removed = true;
      this.watches.delete(fd);
    }
    if (!after) return;
    if (this.inFlight) {
      this.pendingCloses.push(after);
      this.wake();
    } else {
      this.runSafely(after);
    }
  }

  /** Stop the loop, run pending closes, close the wake fd. Watched fds stay open: their owners close them. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    await this.loop;
    this.runPendingCloses();
    close(this.wakeFd);
  }

  private wake(): void {
    try {
      eventfdWrite(this.wakeFd, 1n);
    } catch (e) {
      if (!isSyscallError(e, 'EAGAIN')) this.onError(e);
    }
  }

  /** Start the loop if it is idle, or make a running poll pick up the new watch set. */
  private kick(): void {
    if (this.loop) {
      if (this.inFlight) this.wake();
      return;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // A watch added while the loop was finishing: start again.
      if (!this.stopped && this.watches.size > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.watches.size > 0) {
      const order = [...this.watches.values()];
      const set = new PollSet([{ fd: this.wakeFd, events: POLLIN }, ...order.map((w) => ({ fd: w.fd, events: w.events }))]);
      this.inFlight = true;
      let ready = 0;
      try {
        ready = await pollAsync(set, this.timeoutMs);
      } catch (e) {
        if (!isSyscallError(e, 'EINTR')) {
          this.onError(e);
          await new Promise((r) => setTimeout(r, 50)); // never spin on a persistent error
        }
      } finally {
        this.inFlight = false;
      }
      this.runPendingCloses();
      if (ready <= 0) continue;
      if (set.revents(0) & POLLIN) this.drainWake();
      order.forEach((w, i) => {
        const revents = set.revents(i + 1);
        if (revents !== 0 && !w.removed) this.runSafely(() => w.onReady(revents));
      });
      this.runPendingCloses();
    }
  }

  private drainWake(): void {
    try {
      eventfdRead(this.wakeFd);
    } catch {
      /* EAGAIN: already drained */
    }
  }

  private runPendingCloses(): void {
    for (const f of this.pendingCloses.splice(0)) this.runSafely(f);
  }

  private runSafely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.onError(e);
    }
  }
}
