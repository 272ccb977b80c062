// cgroup v1 memcg notifications through eventfds (kernel-interfaces §2;
// Documentation/admin-guide/cgroup-v1/memory.rst §10–11):
//   memory.pressure_level  "<efd> <cfd> critical[,local]"   vmpressure low/medium/critical
//   memory.oom_control     "<efd> <cfd>"                    the group entered OOM (under_oom)
// written to <memcg>/cgroup.event_control. The control file's fd may be closed right after
// registration; the eventfd is non-blocking (so draining never blocks) and polled for
// POLLIN on the shared FdPoller. Each read returns and resets the accumulated count.
// Pitfall: rmdir of the memcg signals every registered eventfd once (memcg_event_remove),
// so after each event we check that the group still exists. Closing the eventfd
// unregisters it (memcg_event_wake sees EPOLLHUP).
// Both files are deprecated upstream (pr_warn_once in mm/memcontrol-v1.c): prefer PSI on
// cgroup2 where the kernel has it.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TriggerEvent } from '../../engine/ports.js';
import { systemClock } from '../clock.js';
import { close, eventfd, eventfdRead, EFD_CLOEXEC, EFD_NONBLOCK, POLLERR, POLLIN, POLLNVAL } from '../sys/io.js';
import { errorCode, isSyscallError } from '../sys/errors.js';
import type { FdPoller } from '../fd-poller.js';
import { silentLog, TriggerError, type TriggerCommon, type TriggerLog, type TriggerSource } from './types.js';

type PressureLevel = 'low' | 'medium' | 'critical';
/** default: stop at the first listening descendant; hierarchy: every ancestor; local: this group only. */
type PressureMode = 'default' | 'hierarchy' | 'local';

type MemcgEventSpec =
  | { kind: 'pressure'; level: PressureLevel; mode?: PressureMode }
  | { kind: 'oom' };

function controlFile(spec: MemcgEventSpec): string {
  return spec.kind === 'oom' ? 'memory.oom_control' : 'memory.pressure_level';
}

function controlArgs(spec: MemcgEventSpec): string {
  if (spec.kind === 'oom') return '';
  return ` ${spec.level}${spec.mode ? `,${spec.mode}` : ''}`;
}

/**
 * Register a notification on a v1 memcg and return its eventfd (non-blocking, CLOEXEC).
 * Throws TriggerError TRIGGER_MEMCG_UNAVAILABLE when the directory is not a v1 memcg.
 */
export function registerMemcgEvent(memcgPath: string, spec: MemcgEventSpec): number {
  const efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  let cfd = -1;
  try {
    cfd = openSync(join(memcgPath, controlFile(spec)), 'r');
    writeFileSync(join(memcgPath, 'cgroup.event_control'), `${efd} ${cfd}${controlArgs(spec)}`);
    return efd;
  } catch (e) {
    close(efd);
    throw new TriggerError(
      'TRIGGER_MEMCG_UNAVAILABLE',
      `cannot register ${controlFile(spec)}${controlArgs(spec)} on ${memcgPath}: ${errorCode(e) ?? String(e)} ` +
        '(needs a cgroup v1 memory directory; OOM notification does not work for the root memcg)',
      { cause: e },
    );
  } finally {
    if (cfd >= 0) closeSync(cfd);
  }
}

/** Read and reset an eventfd's counter; 0 when nothing was pending. */
export function drainEventfd(efd: number): bigint {
  try {
    return eventfdRead(efd);
  } catch (e) {
    if (isSyscallError(e, 'EAGAIN')) return 0n;
    throw e;
  }
}

/** under_oom from memory.oom_control ("oom_kill_disable 1\nunder_oom 1\noom_kill 0"), or undefined. */
function readUnderOom(memcgPath: string): boolean | undefined {
  try {
    const m = /^under_oom (\d+)$/m.exec(readFileSync(join(memcgPath, 'memory.oom_control'), 'utf8'));
    return m ? m[1] === '1' : undefined;
  } catch {
    return undefined;
  }
}

interface MemcgEventTriggerOptions extends TriggerCommon {
  poller: FdPoller;
  /** A cgroup v1 memory directory, e.g. /sys/fs/cgroup/memory/apps. */
  memcgPath: string;
  event: MemcgEventSpec;
}

export class MemcgEventTrigger implements TriggerSource {
  readonly name: string;
  private readonly options: MemcgEventTriggerOptions;
  private readonly log: TriggerLog;
  private readonly nowMs: () => number;
  private efd = -1;
  private stopped = false;
  private ended = false;
  private releasing: Promise<void> | undefined;
  private eventCount = 0;

  constructor(options: MemcgEventTriggerOptions) {
    this.options = options;
    const e = options.event;
    this.name = options.name ?? `memcg:${options.memcgPath} ${e.kind === 'oom' ? 'oom' : e.level}${e.kind === 'pressure' && e.mode ? `,${e.mode}` : ''}`;
    this.log = options.log ?? silentLog;
    this.nowMs = options.nowMs ?? systemClock.nowMs;
  }

  /** Events emitted so far (one per wakeup, however many the kernel counted). */
  get events(): number {
    return this.eventCount;
  }

  start(emit: (e: TriggerEvent) => void): void {
    if (this.efd >= 0 || this.stopped) throw new Error(`${this.name}: start() called twice`);
    this.efd = registerMemcgEvent(this.options.memcgPath, this.options.event);
    this.options.poller.watch(this.efd, POLLIN, (revents) => this.onReady(revents, emit));
    this.log('debug', 'trigger-armed', `armed ${this.name}`, { trigger: this.name });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  private onReady(revents: number, emit: (e: TriggerEvent) => void): void {
    if (this.stopped || this.ended) return;
    if (revents & (POLLERR | POLLNVAL)) {
      this.end('error', `${this.name}: eventfd reported revents 0x${revents.toString(16)}`);
      return;
    }
    if (!(revents & POLLIN)) return;
    const count = drainEventfd(this.efd);
    // rmdir signals every registered eventfd: an event on a group that is gone is its end.
    if (!existsSync(join(this.options.memcgPath, 'cgroup.procs'))) {
      this.end('group-removed', `${this.name} ended: the memcg was removed`);
      return;
    }
    if (count === 0n) return;
    this.eventCount++;
    const spec = this.options.event;
    const atMs = this.nowMs();
    if (spec.kind === 'oom') {
      const under = readUnderOom(this.options.memcgPath);
      emit({
        source: 'oom-control',
        level: this.options.level ?? 'critical',
        atMs,
        detail: `memcg ${this.options.memcgPath} OOM notification (under_oom ${under === undefined ? '?' : under ? 1 : 0}, ${count} events)`,
      });
      return;
    }
    emit({
      source: 'vmpressure',
      level: this.options.level ?? spec.level,
      atMs,
      detail: `memcg ${this.options.memcgPath} memory.pressure_level ${spec.level} (${count} events)`,
    });
  }

  private end(reason: 'group-removed' | 'error', message: string): void {
    this.ended = true;
    this.log('warn', 'trigger-ended', message, { trigger: this.name });
    void this.release();
    this.options.onEnded?.({ trigger: this.name, reason, message });
  }

  private release(): Promise<void> {
    if (this.releasing) return this.releasing;
    const efd = this.efd;
    if (efd < 0) return Promise.resolve();
    this.releasing = this.options.poller.unwatch(efd).then(() => close(efd));
    return this.releasing;
  }
}
