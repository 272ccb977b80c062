// A cgroup2 group's memory.events as a TriggerSource: the kernel's own account of the
// group reaching its limits, delivered through poll on the open file (kernfs_notify).
//
// Measured on Debian's 6.12.118 cloud kernel in the VM tier (test/vm/): with the file
// open and polled for POLLPRI, an allocation over memory.high=20M made poll return
// revents 0xa (POLLPRI|POLLERR) within the allocation; the file then read "high 1". The
// readiness is sticky: every poll returns 0xa at once until the file is read again from
// offset 0 (pread at 0 resets it). So POLLERR here is an ordinary change, and the end of
// the group shows as a read that fails (ENODEV after rmdir), never as a spinning poll.
//
// What each counter means for reapd (Documentation/admin-guide/cgroup-v2.rst):
//   high      usage went over memory.high: the kernel reclaims and throttles the
//             group's allocators, but never OOM-kills there — reapd's time to decide
//             (and what hold_back uses: docs/host-layouts.md);
//   max       usage hit memory.max and direct reclaim ran: the kernel kills next if
//             reclaim fails (without swap, anonymous memory cannot be reclaimed);
//   oom       reclaim at max failed; oom_kill: the kernel's OOM killer acted — reapd was
//             too late, which it logs as a warning.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerEvent } from '../../engine/ports.js';
import { systemClock } from '../clock.js';
import { parseMemoryEvents, type MemoryEvents } from '../parse/memcg.js';
import { POLLPRI } from '../sys/io.js';
import type { FdPoller } from '../fd-poller.js';
import { silentLog, TriggerError, type TriggerCommon, type TriggerLog, type TriggerSource } from './types.js';

interface MemoryEventsTriggerOptions extends TriggerCommon {
  poller: FdPoller;
  /** A cgroup2 group with the memory controller, e.g. /sys/fs/cgroup/apps. */
  groupPath: string;
}

/** Which change of the counters, as a TriggerEvent level (undefined: nothing to act on). */
export function memoryEventsLevel(before: MemoryEvents, after: MemoryEvents): 'oom-kill' | 'critical' | 'high' | undefined {
  if (after.oomKill > before.oomKill) return 'oom-kill';
  if (after.oom > before.oom || after.max > before.max) return 'critical';
  if (after.high > before.high) return 'high';
  return undefined;
}

function describeCounts(e: MemoryEvents): string {
  return `high ${e.high} max ${e.max} oom ${e.oom} oom_kill ${e.oomKill}`;
}

export class MemoryEventsTrigger implements TriggerSource {
  readonly name: string;
  private readonly options: MemoryEventsTriggerOptions;
  private readonly log: TriggerLog;
  private readonly nowMs: () => number;
  private readonly buf = Buffer.alloc(512);
  private fd = -1;
  private last: MemoryEvents | undefined;
  private stopped = false;
  private ended = false;
  private releasing: Promise<void> | undefined;
  private eventCount = 0;

  constructor(options: MemoryEventsTriggerOptions) {
    this.options = options;
    this.name = options.name ?? `memory.events:${options.groupPath}`;
    this.log = options.log ?? silentLog;
    this.nowMs = options.nowMs ?? systemClock.nowMs;
  }

  /** Events emitted so far. */
  get events(): number {
    return this.eventCount;
  }

  start(emit: (e: TriggerEvent) => void): void {
    if (this.fd >= 0 || this.stopped) throw new Error(`${this.name}: start() called twice`);
    const path = join(this.options.groupPath, 'memory.events');
    try {
      this.fd = openSync(path, 'r');
      this.last = this.readCounts();
    } catch (e) {
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
      throw new TriggerError('TRIGGER_MEMCG_UNAVAILABLE', `cannot watch ${path}: ${(e as Error).message} (needs a cgroup2 group whose parent enables the memory controller)`, { cause: e });
    }
    this.options.poller.watch(this.fd, POLLPRI, () => this.onReady(emit), { errorIsEvent: true });
    this.log('debug', 'trigger-armed', `armed ${this.name} (${describeCounts(this.last)})`, { trigger: this.name });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  /** pread at offset 0: the read that also clears kernfs's sticky readiness. Throws when the group is gone. */
  private readCounts(): MemoryEvents {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const counts = parseMemoryEvents(this.buf.toString('latin1', 0, n));
    if (counts === undefined) throw new Error(`memory.events of ${this.options.groupPath} has no high/max/oom/oom_kill counters`);
    return counts;
  }

  private onReady(emit: (e: TriggerEvent) => void): void {
    if (this.stopped || this.ended || this.last === undefined) return;
    let now: MemoryEvents;
    try {
      now = this.readCounts();
    } catch (e) {
      const gone = (e as NodeJS.ErrnoException).code === 'ENODEV';
      this.end(gone ? 'group-removed' : 'error', `${this.name} ended: ${gone ? 'the group was removed' : (e as Error).message}`);
      return;
    }
    const before = this.last;
    this.last = now;
    const level = memoryEventsLevel(before, now);
    if (level === undefined) return;
    this.eventCount++;
    const detail = `memory.events of ${this.options.groupPath}: ${describeCounts(now)}`;
    if (level === 'oom-kill') {
      this.log('warn', 'kernel-oom-kill', `the kernel's OOM killer acted in ${this.options.groupPath} before reapd (oom_kill ${before.oomKill} -> ${now.oomKill})`, {
        trigger: this.name, oomKill: now.oomKill,
      });
    }
    emit({ source: 'memory-events', level: level === 'oom-kill' ? 'critical' : level, atMs: this.nowMs(), detail });
  }

  private end(reason: 'group-removed' | 'error', message: string): void {
    this.ended = true;
    this.log('warn', 'trigger-ended', message, { trigger: this.name });
    void this.release();
    this.options.onEnded?.({ trigger: this.name, reason, message });
  }

  private release(): Promise<void> {
    if (this.releasing) return this.releasing;
    const fd = this.fd;
    if (fd < 0) return Promise.resolve();
    this.releasing = this.options.poller.unwatch(fd).then(() => closeSync(fd));
    return this.releasing;
  }
}
