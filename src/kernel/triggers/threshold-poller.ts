// Thresholds that no kernel event serves — the lowmemorykiller minfree table, a memcg's
// limit minus usage, oom-score's available-memory/free-swap percentages — are read by
// polling, adaptively, as earlyoom does (main.c sleep_time_ms): memory can only fill so
// fast, so with H KiB of headroom left nothing can happen for H / fill-rate ms.
//
//   sleepMs = memHeadroomKiB / 6000 + swapHeadroomKiB / 800, clamped to 100 … 1000 ms
//
// earlyoom's constants (kept here): RAM fills at most ~6000 MiB/s ("seen with stress -m 4
// --vm-bytes 4G"), swap at ~800 MiB/s ("seen with membomb on ZRAM"); 1 KiB/ms ≈ 1 MiB/s.
// earlyoom clamps to 100 … 1000 ms; the daemon's default floor is 10 ms (poll_min_interval,
// issue 18): reading /proc/meminfo costs microseconds, and near the threshold a 100 ms nap
// is 600 MiB at earlyoom's own fill rate. Far from the threshold (≥ 6 GiB of headroom) the
// sleep is earlyoom's 1000 ms, so idle wakeups stay at its one per second. Whatever the
// configuration, never below FLOOR_SLEEP_MS = 10 ms (the PSI-file rule of
// kernel-interfaces §1.6, applied to every periodic read).
//
// A wake source (wakeBy: a PSI trigger on the domain's pressure file) ends a sleep early:
// memory stalls say memory is moving, so the poller checks at once and sleeps anew from
// what it reads. It never acts by itself: only the check decides.
import type { TriggerEvent } from '../../engine/ports.js';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { systemClock } from '../clock.js';
import { silentLog, type TriggerCommon, type TriggerLog, type TriggerSource } from './types.js';

export interface ThresholdCheck {
  /** The threshold is crossed: emit a trigger event now. */
  act: boolean;
  /** Memory left before the threshold, KiB (0 or less when crossed). */
  headroomKiB: number;
  /** Swap left before a swap threshold, KiB (earlyoom adds it at the swap fill rate). */
  swapHeadroomKiB?: number;
  /** TriggerEvent.level for this event (a threshold name such as "minfree-2"). */
  level?: string;
  detail?: string;
  /** Set when the domain is gone (e.g. the memcg was removed): the poller ends. */
  ended?: string;
}

interface AdaptivePollConstants {
  /** KiB per ms (≈ MiB/s) RAM can fill at; earlyoom: 6000. */
  ramFillRateKiBPerMs: number;
  /** KiB per ms swap can fill at; earlyoom: 800. */
  swapFillRateKiBPerMs: number;
  minSleepMs: number;
  maxSleepMs: number;
}

export const EARLYOOM_POLL_CONSTANTS: Readonly<AdaptivePollConstants> = {
  ramFillRateKiBPerMs: 6000,
  swapFillRateKiBPerMs: 800,
  minSleepMs: 100,
  maxSleepMs: 1000,
};

/** No configuration makes a periodic read more frequent than this. */
export const FLOOR_SLEEP_MS = 10;

/**
 * While the threshold stays crossed, the poller emits again at most this often
 * (earlyoom's 100 ms): each event costs the domain a scan, and with nothing left to kill
 * a 10 ms pace would scan a hundred times a second. The short sleeps are for noticing the
 * crossing, not for repeating it.
 */
const CROSSED_SLEEP_MS = 100;

/** How long to sleep before the next check, given the headroom (earlyoom's formula). */
export function adaptiveSleepMs(check: Pick<ThresholdCheck, 'headroomKiB' | 'swapHeadroomKiB'>, c: AdaptivePollConstants = EARLYOOM_POLL_CONSTANTS): number {
  const mem = Math.max(0, check.headroomKiB) / c.ramFillRateKiBPerMs;
  const swap = Math.max(0, check.swapHeadroomKiB ?? 0) / c.swapFillRateKiBPerMs;
  const min = Math.max(FLOOR_SLEEP_MS, c.minSleepMs);
  const max = Math.max(min, c.maxSleepMs);
  return Math.round(Math.min(max, Math.max(min, mem + swap)));
}

/** Sleeps ms or until the signal aborts (resolves either way). Injected in tests. */
export type Sleeper = (ms: number, signal: AbortSignal) => Promise<void>;

const timerSleeper: Sleeper = (ms, signal) =>
  sleepTimer(ms, undefined, { signal }).catch(() => undefined);

interface ThresholdPollerOptions extends TriggerCommon {
  /** Reads memory and says whether to act (cheap: /proc/meminfo or a memcg's usage/limit). */
  check(): Promise<ThresholdCheck>;
  /** TriggerEvent.source (default "threshold"). */
  source?: string;
  constants?: Partial<AdaptivePollConstants>;
  sleep?: Sleeper;
  /** Ends the current sleep whenever it emits (a PSI trigger): check now. Started and stopped with the poller. */
  wakeBy?: TriggerSource;
}

export class ThresholdPoller implements TriggerSource {
  readonly name: string;
  private readonly options: ThresholdPollerOptions;
  private readonly constants: AdaptivePollConstants;
  private readonly sleep: Sleeper;
  private readonly log: TriggerLog;
  private readonly nowMs: () => number;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private lastError: string | undefined;
  private checkCount = 0;
  private lastSleep = 0;
  private wakeCount = 0;
  private wakeFailed = false;
  /** Aborts the sleep under way (wake()). */
  private napAbort: AbortController | undefined;

  constructor(options: ThresholdPollerOptions) {
    this.options = options;
    this.name = options.name ?? 'threshold';
    this.constants = { ...EARLYOOM_POLL_CONSTANTS, ...options.constants };
    this.sleep = options.sleep ?? timerSleeper;
    this.log = options.log ?? silentLog;
    this.nowMs = options.nowMs ?? systemClock.nowMs;
  }

  get checks(): number {
    return this.checkCount;
  }

  /** The interval chosen after the latest check, ms. */
  get lastSleepMs(): number {
    return this.lastSleep;
  }

  /** Between checks (a wake() now ends the sleep). */
  get asleep(): boolean {
    return this.napAbort !== undefined && !this.napAbort.signal.aborted;
  }

  /** Sleeps ended early by wake(). */
  get wakes(): number {
    return this.wakeCount;
  }

  start(emit: (e: TriggerEvent) => void): void {
    if (this.loop) throw new Error(`${this.name}: start() called twice`);
    this.abort = new AbortController();
    this.loop = this.run(emit, this.abort.signal);
    const wakeBy = this.options.wakeBy;
    if (wakeBy === undefined) return;
    try {
      wakeBy.start(() => this.wake());
    } catch (e) {
      // The poller still polls: it only loses the early wake-ups.
      this.log('warn', 'poll-wake-failed', `${this.name}: ${wakeBy.name} not armed, polling without it: ${e instanceof Error ? e.message : String(e)}`, { trigger: this.name });
      this.wakeFailed = true;
    }
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    if (!this.wakeFailed) await this.options.wakeBy?.stop();
    await this.loop;
  }

  /** End the sleep under way: the next check runs now (a no-op while a check runs). */
  wake(): void {
    if (this.napAbort === undefined || this.napAbort.signal.aborted) return;
    this.wakeCount++;
    this.napAbort.abort();
  }

  private async run(emit: (e: TriggerEvent) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const sleepMs = await this.checkOnce(emit, signal);
      if (sleepMs === undefined) return;
      this.lastSleep = sleepMs;
      const nap = new AbortController();
      const onStop = (): void => nap.abort();
      signal.addEventListener('abort', onStop, { once: true });
      this.napAbort = nap;
      try {
        await this.sleep(sleepMs, nap.signal);
      } finally {
        this.napAbort = undefined;
        signal.removeEventListener('abort', onStop);
      }
    }
  }

  /** One check; returns the next sleep, or undefined when the poller ends. */
  private async checkOnce(emit: (e: TriggerEvent) => void, signal: AbortSignal): Promise<number | undefined> {
    let result: ThresholdCheck;
    try {
      result = await this.options.check();
      this.lastError = undefined;
    } catch (e) {
      const message = `${this.name}: memory check failed: ${String(e)}`;
      if (message !== this.lastError) this.log('warn', 'threshold-check-failed', message, { trigger: this.name });
      this.lastError = message;
      return this.constants.maxSleepMs;
    }
    this.checkCount++;
    if (signal.aborted) return undefined;
    if (result.ended !== undefined) {
      const message = `${this.name} ended: ${result.ended}`;
      this.log('warn', 'trigger-ended', message, { trigger: this.name });
      this.options.onEnded?.({ trigger: this.name, reason: 'group-removed', message });
      return undefined;
    }
    if (result.act) {
      const event: TriggerEvent = {
        source: this.options.source ?? 'threshold',
        level: result.level ?? this.options.level ?? 'critical',
        atMs: this.nowMs(),
      };
      if (result.detail !== undefined) event.detail = result.detail;
      emit(event);
      return Math.max(CROSSED_SLEEP_MS, adaptiveSleepMs(result, this.constants));
    }
    return adaptiveSleepMs(result, this.constants);
  }
}
