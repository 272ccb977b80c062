// File-descriptor I/O through libc: poll, eventfd, read/write/pread, open/close.
// Node's fs covers most file I/O; these exist for what fs cannot do (poll on PSI fds
// and pidfds, eventfds, pread into a reused buffer without fs's bookkeeping).
import { check, checkLong, func, lastErrno, type KoffiFunction } from './ffi.js';
import { SyscallError } from './errors.js';
import { errnoName } from './ffi.js';

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

export const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

interface IoFns {
  poll: KoffiFunction;
  eventfd: KoffiFunction;
  read: KoffiFunction;
  write: KoffiFunction;
  pread: KoffiFunction;
  open: KoffiFunction;
  close: KoffiFunction;
}

let fns: IoFns | undefined;

function b(): IoFns {
  fns ??= {
    poll: func('int poll(void *fds, unsigned long nfds, int timeout)'),
    eventfd: func('int eventfd(unsigned int initval, int flags)'),
    read: func('long read(int fd, void *buf, unsigned long count)'),
    write: func('long write(int fd, const void *buf, unsigned long count)'),
    pread: func('long pread(int fd, void *buf, unsigned long count, long offset)'),
    open: func('int open(const char *path, int flags, int mode)'),
    close: func('int close(int fd)'),
  };
  return fns;
}

/** A `struct pollfd` array: 8 bytes each — int fd @0, short events @4, short revents @6. */
export class PollSet {
  readonly buffer: Buffer;
  readonly fds: readonly number[];

  constructor(entries: ReadonlyArray<{ fd: number; events: number }>) {
    this.buffer = Buffer.alloc(8 * entries.length);
    this.fds = entries.map((e) => e.fd);
    entries.forEach((e, i) => {
      this.buffer.writeInt32LE(e.fd, i * 8);
      this.buffer.writeInt16LE(e.events, i * 8 + 4);
    });
  }

  get length(): number {
    return this.fds.length;
  }

  revents(index: number): number {
    return this.buffer.readInt16LE(index * 8 + 6) & 0xffff;
  }

  clearRevents(): void {
    for (let i = 0; i < this.length; i++) this.buffer.writeInt16LE(0, i * 8 + 6);
  }
}

/** poll(2), blocking this thread for at most timeoutMs (-1: forever). Returns the ready count. */
export function poll(set: PollSet, timeoutMs: number): number {
  set.clearRevents();
  return check('poll', b().poll(set.buffer, set.length, timeoutMs) as number);
}

/**
 * poll(2) on the libuv threadpool. The PollSet must stay referenced until the promise
 * settles (a collected buffer is a use-after-free: kernel-interfaces §0.1); the closure
 * below keeps it alive. Always give a finite timeout so process exit is never blocked.
 */
export function pollAsync(set: PollSet, timeoutMs: number): Promise<number> {
  set.clearRevents();
  const fn = b().poll.async;
  if (!fn) return Promise.resolve(poll(set, timeoutMs));
  return new Promise((resolve, reject) => {
    fn(set.buffer, set.length, timeoutMs, (err: unknown, res: number) => {
      void set.buffer; // keep the buffer referenced until the call returns
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else if (res === -1) {
        const e = lastErrno();
        reject(new SyscallError('poll', e, errnoName(e)));
      } else resolve(res);
    });
  });
}

export function eventfd(initval = 0, flags = EFD_CLOEXEC): number {
  return check('eventfd', b().eventfd(initval, flags) as number);
}

/** Read an eventfd's 8-byte counter (resets it). Throws EAGAIN when empty and non-blocking. */
export function eventfdRead(fd: number): bigint {
  const buf = Buffer.alloc(8);
  checkLong('read', b().read(fd, buf, 8));
  return buf.readBigUInt64LE(0);
}

export function eventfdWrite(fd: number, value = 1n): void {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(value, 0);
  checkLong('write', b().write(fd, buf, 8));
}

export function read(fd: number, buf: Buffer, length = buf.length): number {
  return checkLong('read', b().read(fd, buf, length));
}

/** pread(2) into a reused buffer: the cheap way to re-read a cached /proc fd (§4.4). */
export function pread(fd: number, buf: Buffer, length: number, offset: number): number {
  return checkLong('pread', b().pread(fd, buf, length, offset));
}

export function open(path: string, flags: number, mode = 0): number {
  return check('open', b().open(path, flags | O_CLOEXEC, mode) as number);
}

export function close(fd: number): void {
  check('close', b().close(fd) as number);
}
