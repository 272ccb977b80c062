// The machine's processes at a pressure event without listing /proc when no task has been
// created since the last listing. Listing /proc makes the kernel walk every task: ~1.2 ms
// at 2,000 processes, ~3 ms when the CPU comes out of idle at an event. The last field of
// /proc/loadavg is the last pid the kernel allocated in the reader's pid namespace (its
// pid allocator's cursor), and every fork and every new thread allocates one; so while it
// stands still no process can have appeared, and when it moved by a little only the pids
// in between can be new. Pids allocate upward and wrap: a cursor that went backwards
// (wrap-around, or a write to ns_last_pid) means a full listing, as does a long jump, and
// every FULL_EVERY lists one is full anyway.
//
// Processes that went away stay in the list until the scan that follows finds them gone
// (their held fds say ESRCH) and hands the survivors back through keep().
//
// Only when this procfs shows our own pid namespace (our NSpid has one entry there): the
// processes of a namespace we are not in could appear without our cursor moving.
import { listProcPids } from './list.js';
import type { ReadBuffer } from './read-buffer.js';

/** At most this many new pids are looked at one by one (~8 µs each); more: a full listing. */
const MAX_PROBED = 64;
/** A full listing at least every this many lists. */
const FULL_EVERY = 64;

export type ListKind = 'full' | 'unchanged' | 'probed';

export class MachinePids {
  private enabled: boolean | undefined;
  /** The cursor read before the last list was made; -1: none. */
  private cursor = -1;
  private known: number[] | undefined;
  private sinceFull = 0;
  /** How the last list was made. */
  lastKind: ListKind = 'full';

  constructor(
    private readonly procRoot: string,
    private readonly buf: ReadBuffer,
  ) {}

  /**
   * Every thread-group id: the last list and the pids created since, or (full, or when
   * that cannot be known) a full listing.
   */
  list(full = false): number[] {
    let cursor: number | undefined;
    try {
      // Read first: a process created after this read moves the cursor past it.
      cursor = this.usable() ? this.readCursor() : undefined;
      const known = this.known;
      if (!full && cursor !== undefined && known !== undefined && this.sinceFull < FULL_EVERY && cursor >= this.cursor && cursor - this.cursor <= MAX_PROBED) {
        const out = known.slice();
        for (let pid = this.cursor + 1; pid <= cursor; pid++) if (this.isProcess(pid)) out.push(pid);
        this.lastKind = cursor === this.cursor ? 'unchanged' : 'probed';
        this.cursor = cursor;
        this.sinceFull++;
        return out;
      }
    } catch {
      // A file that cannot be read as expected: what is new cannot be known, list it all.
      cursor = undefined;
    }
    this.lastKind = 'full';
    this.cursor = cursor ?? -1;
    this.sinceFull = 0;
    return listProcPids(this.procRoot);
  }

  /** The pids the scan found alive: the next list starts from them. */
  keep(pids: number[]): void {
    this.known = pids;
  }

  /** Forget the last list: the next one is full. */
  reset(): void {
    this.known = undefined;
  }

  /** Our own pid namespace is the one this procfs shows (checked once). */
  private usable(): boolean {
    if (this.enabled === undefined) {
      const n = this.buf.readPath(`${this.procRoot}/self/status`);
      const line = n > 0 ? /^NSpid:\s*([0-9\s]+)$/m.exec(this.buf.text(n)) : null;
      this.enabled = line !== null && (line[1] ?? '').trim().split(/\s+/).length === 1;
    }
    return this.enabled;
  }

  /** /proc/loadavg's last field ("0.04 0.18 0.49 1/79 16486"), or undefined. */
  private readCursor(): number | undefined {
    const n = this.buf.readPath(`${this.procRoot}/loadavg`);
    if (n <= 0) return undefined;
    const v = Number(this.buf.text(n).trim().split(' ').pop());
    return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  }

  /** A thread-group leader (not a thread of another process: /proc/TID exists for those too). */
  private isProcess(pid: number): boolean {
    const n = this.buf.readPath(`${this.procRoot}/${pid}/status`);
    if (n <= 0) return false;
    const m = /^Tgid:\s*(\d+)$/m.exec(this.buf.text(n));
    return m !== null && Number(m[1]) === pid;
  }
}
