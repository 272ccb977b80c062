// Reading /proc files into a reused buffer, with "the process is gone" as a value.
// Held fds are re-read with pread at offset 0 (seq_file regenerates the text each time);
// kernel-interfaces §4.3: open() after the reap gives ENOENT, a read through an fd opened
// before the reap gives ESRCH — both mean "gone", and neither is an error.
import { close, open, O_RDONLY, pread, read } from '../sys/io.js';
import { errorCode } from '../sys/errors.js';

/** Returned instead of a length when the process went away. */
export const GONE = -1;

function isGoneCode(code: string | undefined): boolean {
  return code === 'ESRCH' || code === 'ENOENT';
}

/** A buffer that grows when a file does not fit (status, cgroup, cmdline can be long). */
export class ReadBuffer {
  buf: Buffer;
  /** Files are never allowed to grow the buffer past this (a runaway cmdline). */
  readonly maxBytes: number;

  constructor(initialBytes: number, maxBytes = 1 << 20) {
    this.buf = Buffer.alloc(initialBytes);
    this.maxBytes = maxBytes;
  }

  /** pread the whole file at offset 0; the length read, or GONE. */
  preadAll(fd: number, truncateAt = this.maxBytes): number {
    for (;;) {
      let n: number;
      try {
        n = pread(fd, this.buf, this.buf.length, 0);
      } catch (e) {
        if (isGoneCode(errorCode(e))) return GONE;
        throw e;
      }
      if (n < this.buf.length || this.buf.length >= Math.min(truncateAt, this.maxBytes)) return n;
      this.buf = Buffer.alloc(this.buf.length * 2);
    }
  }

  /** open/read/close by path; the length read, or GONE. */
  readPath(path: string, truncateAt = this.maxBytes): number {
    const fd = openOrGone(path);
    if (fd === GONE) return GONE;
    try {
      return this.preadAll(fd, truncateAt);
    } finally {
      close(fd);
    }
  }

  /**
   * open/read…/close by path, reading to the end of file: a multi-record seq_file
   * (cgroup.procs) hands out about a page per read(2), whatever the buffer size. The
   * length read, or GONE.
   */
  readWholePath(path: string): number {
    const fd = openOrGone(path);
    if (fd === GONE) return GONE;
    try {
      let length = 0;
      for (;;) {
        if (length === this.buf.length) {
          if (length >= this.maxBytes) return length;
          const bigger = Buffer.alloc(Math.min(this.buf.length * 2, this.maxBytes));
          this.buf.copy(bigger, 0, 0, length);
          this.buf = bigger;
        }
        let n: number;
        try {
          n = read(fd, this.buf.subarray(length), this.buf.length - length);
        } catch (e) {
          if (isGoneCode(errorCode(e))) return GONE;
          throw e;
        }
        if (n <= 0) return length;
        length += n;
      }
    } finally {
      close(fd);
    }
  }

  text(length: number): string {
    return this.buf.toString('utf8', 0, length);
  }
}

/** open(2) read-only with O_CLOEXEC; GONE when the file (process) does not exist. */
export function openOrGone(path: string): number {
  try {
    return open(path, O_RDONLY);
  } catch (e) {
    if (isGoneCode(errorCode(e))) return GONE;
    throw e;
  }
}

export function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    close(fd);
  } catch {
    /* already closed or never valid: nothing to release */
  }
}
