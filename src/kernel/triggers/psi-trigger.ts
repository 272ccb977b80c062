// A PSI trigger as a TriggerSource: /proc/pressure/memory or a cgroup2 group's
// memory.pressure, armed by psi-arm.ts and watched for POLLPRI on the shared FdPoller.
//
// poll semantics (kernel-interfaces §1.3):
// - ask for POLLPRI only (poll always reports the default mask, so POLLIN is "ready" at once);
// - the kernel raises POLLPRI once per event, at most one event per window;
// - POLLERR (revents 0xa) when the cgroup2 group is removed; afterwards read() gives
//   ENODEV and every poll returns at once — so close the fd and end, never spin.
// §1.5: unprivileged triggers on a group with stall history can fire once spuriously on
// the first 2 s tick; the first event after arming is checked against the growth of the
// file's total= since arming (reads spaced ≥ 10 ms apart, §1.6).
import { closeSync } from 'node:fs';
import type { TriggerEvent } from '../../engine/ports.js';
import { systemClock } from '../clock.js';
import { POLLERR, POLLNVAL, POLLPRI } from '../sys/io.js';
import type { FdPoller } from '../fd-poller.js';
import { readPressure, readPressureIfAllowed } from './pressure-file.js';
import { armPsiTrigger, type PsiFallback, type PsiKind, type PsiSpec } from './psi-arm.js';
import { silentLog, type TriggerCommon, type TriggerLog, type TriggerSource } from './types.js';

const SYSTEM_MEMORY_PRESSURE = '/proc/pressure/memory';

interface PsiTriggerOptions extends TriggerCommon {
  poller: FdPoller;
  /** Default /proc/pressure/memory; or <cgroup2 dir>/memory.pressure. */
  path?: string;
  /** Default "some". */
  kind?: PsiKind;
  stallUs: number;
  windowUs: number;
  /** Check the first event against the total= growth (§1.5). Default true. */
  verifyFirstEvent?: boolean;
}

export class PsiTrigger implements TriggerSource {
  readonly name: string;
  private readonly requested: PsiSpec;
  private readonly options: PsiTriggerOptions;
  private readonly log: TriggerLog;
  private readonly nowMs: () => number;
  private fd = -1;
  private effective: PsiSpec | undefined;
  private fallbackInfo: PsiFallback | undefined;
  /** total= at arming (µs); a promise because a read may have to wait for the 10 ms gap. */
  private baselineUs: Promise<number | undefined> = Promise.resolve(undefined);
  private firstEventPending = true;
  private stopped = false;
  private ended = false;
  private eventCount = 0;
  private releasing: Promise<void> | undefined;

  constructor(options: PsiTriggerOptions) {
    this.options = options;
    this.requested = {
      path: options.path ?? SYSTEM_MEMORY_PRESSURE,
      kind: options.kind ?? 'some',
      stallUs: options.stallUs,
      windowUs: options.windowUs,
    };
    const r = this.requested;
    this.name = options.name ?? `psi:${r.path} ${r.kind} ${r.stallUs}/${r.windowUs}`;
    this.log = options.log ?? silentLog;
    this.nowMs = options.nowMs ?? systemClock.nowMs;
  }

  /** Set when the kernel refused the requested window and a 2 s multiple is used instead. */
  get fallback(): PsiFallback | undefined {
    return this.fallbackInfo;
  }

  /** The trigger the kernel accepted (after start). */
  get spec(): PsiSpec | undefined {
    return this.effective;
  }

  /** Events emitted so far (spurious first events excluded). */
  get events(): number {
    return this.eventCount;
  }

  start(emit: (e: TriggerEvent) => void): void {
    if (this.fd >= 0 || this.stopped) throw new Error(`${this.name}: start() called twice`);
    const armed = armPsiTrigger(this.requested);
    this.fd = armed.fd;
    this.effective = armed.spec;
    this.fallbackInfo = armed.fallback;
    if (armed.fallback) {
      this.log('warn', 'psi-window-fallback', armed.fallback.message, { trigger: this.name, ...armed.fallback });
    }
    this.baselineUs = this.readBaseline(armed.spec.path);
    this.firstEventPending = this.options.verifyFirstEvent ?? true;
    this.options.poller.watch(this.fd, POLLPRI, (revents) => this.onReady(revents, emit));
    this.log('debug', 'trigger-armed', `armed ${this.describe()}`, { trigger: this.name });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  private describe(): string {
    const s = this.effective ?? this.requested;
    return `PSI trigger "${s.kind} ${s.stallUs} ${s.windowUs}" on ${s.path}`;
  }

  private readBaseline(path: string): Promise<number | undefined> {
    try {
      const now = readPressureIfAllowed(path);
      if (now) return Promise.resolve(this.totalUs(now));
    } catch {
      return Promise.resolve(undefined);
    }
    // Read < 10 ms ago (another trigger on the group just armed): read after the gap.
    const later = readPressure(path).then((p) => this.totalUs(p), () => undefined);
    later.catch(() => undefined);
    return later;
  }

  private totalUs(p: { some: { totalUs: number }; full?: { totalUs: number } } | undefined): number | undefined {
    if (!p) return undefined;
    return this.requested.kind === 'full' ? p.full?.totalUs : p.some.totalUs;
  }

  private onReady(revents: number, emit: (e: TriggerEvent) => void): void {
    if (revents & (POLLERR | POLLNVAL)) {
      this.end();
      return;
    }
    if (!(revents & POLLPRI) || this.stopped) return;
    const atMs = this.nowMs();
    if (this.firstEventPending) {
      this.firstEventPending = false;
      void this.verifyFirst(atMs, emit);
      return;
    }
    this.deliver(atMs, emit);
  }

  private deliver(atMs: number, emit: (e: TriggerEvent) => void, note = ''): void {
    if (this.stopped || this.ended) return;
    this.eventCount++;
    emit({ source: 'psi', level: this.options.level ?? 'critical', atMs, detail: `${this.describe()}${note}` });
  }

  /** §1.5: accept the first event only if the stall total grew by the threshold since arming. */
  private async verifyFirst(atMs: number, emit: (e: TriggerEvent) => void): Promise<void> {
    const spec = this.effective ?? this.requested;
    const baselineUs = await this.baselineUs;
    let nowUs: number | undefined;
    try {
      nowUs = this.totalUs(await readPressure(spec.path));
    } catch {
      nowUs = undefined; // group gone or unreadable: POLLERR will say so; do not drop the event
    }
    if (nowUs === undefined || baselineUs === undefined) {
      this.deliver(atMs, emit);
      return;
    }
    const grownUs = nowUs - baselineUs;
    if (grownUs >= spec.stallUs) {
      this.deliver(atMs, emit, ` (stall grew ${grownUs} µs since arming)`);
      return;
    }
    this.log('info', 'psi-spurious-first-event',
      `${this.describe()} fired but its stall grew only ${grownUs} µs since arming (< ${spec.stallUs}): ` +
        'ignored as the known spurious first event of an unprivileged trigger (kernel-interfaces §1.5)',
      { trigger: this.name, grownUs });
  }

  /** The group went away (POLLERR, then ENODEV): close the fd and end, without spinning. */
  private end(): void {
    if (this.ended || this.stopped) return;
    this.ended = true;
    const message = `${this.describe()} ended: the cgroup was removed (POLLERR)`;
    this.log('warn', 'trigger-ended', message, { trigger: this.name });
    void this.release();
    this.options.onEnded?.({ trigger: this.name, reason: 'group-removed', message });
  }

  /** Unwatch, then close (only once the pool thread no longer polls the fd). Idempotent. */
  private release(): Promise<void> {
    if (this.releasing) return this.releasing;
    const fd = this.fd;
    if (fd < 0) return Promise.resolve();
    this.releasing = this.options.poller.unwatch(fd).then(() => closeSync(fd));
    return this.releasing;
  }
}
