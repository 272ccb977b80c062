// The client side of one connection: an ordered send queue (waits for POLLOUT when the
// server's queue is full), replies matched to requests in order per reply kind, and
// listeners for the asynchronous kill messages.
import { isSyscallError } from '../kernel/sys/errors.js';
import { close, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT } from '../kernel/sys/io.js';
import { recv, send } from '../kernel/sys/socket.js';
import { ControlError } from './errors.js';
import type { KillStat } from './kill-stat.js';
import { decodeServerMessage, type ServerMessage } from './replies.js';
import type { WarningEvent } from './protocol.js';
import type { FdPoller, Watch } from '../kernel/fd-poller.js';

type ReplyKind = 'killcnt' | 'update_props' | 'boot_completed' | 'outcome';
type Reply<K extends ReplyKind> = Extract<ServerMessage, { cmd: K }>;

interface Waiter {
  resolve(value: ServerMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface Outgoing {
  data: Uint8Array;
  resolve(): void;
  reject(e: Error): void;
}

interface Listeners {
  prockill: Set<(e: { pid: number; uid: number }) => void>;
  stat: Set<(s: KillStat) => void>;
  warning: Set<(w: WarningEvent) => void>;
}

/** A listener's exception surfaces as an uncaught exception (as an EventEmitter's would)
 * without stopping the other listeners or the messages queued behind this one. */
function callListener(f: () => void): void {
  try {
    f();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/** Largest server message is 214 bytes (kill statistics). */
const RECV_BYTES = 256;

export class ClientConnection {
  private readonly queue: Outgoing[] = [];
  private readonly waiters: Record<ReplyKind, Waiter[]> = { killcnt: [], update_props: [], boot_completed: [], outcome: [] };
  private readonly listeners: Listeners = { prockill: new Set(), stat: new Set(), warning: new Set() };
  private readonly buffer = Buffer.alloc(RECV_BYTES);
  private readonly watch: Watch;
  private closed = false;
  private resolveClosed!: () => void;
  readonly closedPromise: Promise<void>;

  constructor(
    private readonly fd: number,
    private readonly poller: FdPoller,
    private readonly replyTimeoutMs: number,
  ) {
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    this.watch = poller.watch(fd, POLLIN, (revents) => this.ready(revents));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ControlError('closed', 'the control connection is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (this.queue.length === 1) this.flush();
    });
  }

  request<K extends ReplyKind>(kind: K, data: Uint8Array): Promise<Reply<K>> {
    if (this.closed) return Promise.reject(new ControlError('closed', 'the control connection is closed'));
    return new Promise<Reply<K>>((resolveReply, reject) => {
      // dispatch() hands each waiter a reply of its own kind.
      const resolve = (m: ServerMessage): void => resolveReply(m as Reply<K>);
      const timer = setTimeout(() => {
        const list = this.waiters[kind];
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(new ControlError('timeout', `no ${kind} reply within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      const waiter: Waiter = { resolve, reject, timer };
      this.waiters[kind].push(waiter);
      this.send(data).catch((e: Error) => {
        clearTimeout(timer);
        const list = this.waiters[kind];
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(e);
      });
    });
  }

  listen<K extends keyof Listeners>(kind: K, cb: Listeners[K] extends Set<infer F> ? F : never): () => void {
    const set = this.listeners[kind] as Set<typeof cb>;
    set.add(cb);
    return () => set.delete(cb);
  }

  async close(): Promise<void> {
    this.shutdown(new ControlError('closed', 'the control connection was closed by the client'));
    await this.closedPromise;
  }

  /** Send queued datagrams in order until the kernel's queue is full. */
  private flush(): void {
    while (this.queue.length > 0 && !this.closed) {
      const out = this.queue[0] as Outgoing;
      try {
        send(this.fd, out.data);
      } catch (e) {
        if (isSyscallError(e, 'EAGAIN', 'ENOBUFS')) {
          this.poller.setEvents(this.watch, POLLIN | POLLOUT);
          return;
        }
        this.shutdown(new ControlError('closed', `the control connection failed: ${String(e)}`));
        return;
      }
      this.queue.shift();
      out.resolve();
    }
    this.poller.setEvents(this.watch, POLLIN);
  }

  private ready(revents: number): void {
    if (revents & POLLOUT) this.flush();
    if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) this.drain();
  }

  private drain(): void {
    for (;;) {
      let n: number;
      try {
        n = recv(this.fd, this.buffer);
      } catch (e) {
        if (isSyscallError(e, 'EAGAIN', 'EINTR')) return;
        this.shutdown(new ControlError('closed', `the control connection failed: ${String(e)}`));
        return;
      }
      // The server never sends an empty datagram: 0 is the end of the stream.
      if (n === 0) {
        this.shutdown(new ControlError('closed', 'the server closed the control connection'));
        return;
      }
      this.dispatch(this.buffer.subarray(0, Math.min(n, RECV_BYTES)));
    }
  }

  private dispatch(data: Uint8Array): void {
    const m = decodeServerMessage(data);
    if (!m.ok) return; // unknown messages are ignored, as lmkd's clients do
    const msg = m.value;
    if (msg.cmd === 'prockill') {
      for (const cb of this.listeners.prockill) callListener(() => cb({ pid: msg.pid, uid: msg.uid }));
    } else if (msg.cmd === 'stat') {
      for (const cb of this.listeners.stat) callListener(() => cb(msg.stat));
    } else if (msg.cmd === 'warning') {
      const { cmd: _cmd, ...event } = msg;
      for (const cb of this.listeners.warning) callListener(() => cb(event));
    } else {
      const waiter = this.waiters[msg.cmd].shift();
      if (!waiter) return;
      clearTimeout(waiter.timer);
      waiter.resolve(msg);
    }
  }

  private shutdown(reason: ControlError): void {
    if (this.closed) return;
    this.closed = true;
    for (const out of this.queue.splice(0)) out.reject(reason);
    for (const list of Object.values(this.waiters)) {
      for (const w of list.splice(0)) {
        clearTimeout(w.timer);
        w.reject(reason);
      }
    }
    this.poller.release(this.fd, () => {
      close(this.fd);
      this.resolveClosed();
    });
  }
}
