// KernelKiller: the Killer port on a real kernel. The main thread only posts requests
// and polls pidfds for the exit; identity checks, SIGKILL, process_mrelease, the boost
// and reap retries run in the kill core (core.ts) on its own worker thread.
import type { Clock, Killer, KillOptions, KillResult } from '../../engine/ports.js';
import type { Victim } from '../../model/decision.js';
import { systemClock } from '../clock.js';
import { isSyscallError } from '../sys/errors.js';
import { PollSet, POLLIN, pollAsync } from '../sys/io.js';
import { inlineChannel, workerChannel, type Channel, type ChannelEvents } from './main-thread-channel.js';
import { threadNowMs } from '../clock.js';
import { DEFAULT_CORE_CONFIG, type BatchTiming, type CoreConfig, type FromCore, type KernelKillerOptions, type Update } from './types.js';

/** How long one poll on the threadpool may block, so shutdown is never held up for long. */
const MAX_POLL_SLICE_MS = 1000;

/** Timings of the last batch, ms (threadNowMs base; see docs/kill-path.md). */
interface BatchReport {
  /** kill() called -> the kill thread started the batch. */
  handoffMs: number;
  /** kill() called -> SIGKILL sent, per victim (null: not sent). */
  decisionToSignalMs: (number | null)[];
  /** The batch on the kill thread: identity, signals, first reaps, boosts. */
  batchMs: number;
}

interface Tracked {
  key: number;
  fd: number;
  result: KillResult;
  signalAbs: number;
  /** What an earlier waitForExit found: its pidfd may be closed by now. */
  exitMs?: number | null;
  pending: boolean;
  released: boolean;
  settled: Promise<void>;
  settle(): void;
}

interface Request {
  victims: readonly Victim[];
  requestedAt: number;
  resolve(results: KillResult[]): void;
  reject(e: Error): void;
}

export class KernelKiller implements Killer {
  private readonly clock: Clock;
  private readonly config: CoreConfig;
  private channel: Channel | undefined;
  private readyPromise: Promise<string[]> | undefined;
  private readyResolve: ((notes: string[]) => void) | undefined;
  private nextId = 1;
  private readonly requests = new Map<number, Request>();
  private readonly byKey = new Map<number, Tracked>();
  private readonly tracked = new WeakMap<KillResult, Tracked>();
  private report: BatchReport | undefined;

  constructor(private readonly options: KernelKillerOptions = {}) {
    const { clock, useWorker: _w, protect, sys: _s, ...rest } = options;
    this.clock = clock ?? systemClock;
    this.config = { ...DEFAULT_CORE_CONFIG, ...rest, askProtect: protect !== undefined };
    if (options.sys && options.useWorker !== false) throw new Error('KernelKiller: a custom sys layer needs useWorker: false');
    this.open();
  }

  /** Resolves with the kill thread's start-up notes once it can take a request. */
  ready(): Promise<string[]> {
    this.open();
    return this.readyPromise ?? Promise.resolve([]);
  }

  get lastBatch(): BatchReport | undefined {
    return this.report;
  }

  kill(victims: readonly Victim[], options: KillOptions): Promise<KillResult[]> {
    if (victims.length === 0) return Promise.resolve([]);
    const channel = this.open();
    const id = this.nextId++;
    return new Promise<KillResult[]>((resolve, reject) => {
      this.requests.set(id, { victims, requestedAt: threadNowMs(), resolve, reject });
      channel.hold(true);
      try {
        channel.send({ t: 'kill', id, victims: [...victims], dryRun: options.dryRun, ...(options.group === undefined ? {} : { group: options.group }) });
      } catch (e) {
        this.requests.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  async waitForExit(results: readonly KillResult[], timeoutMs: number): Promise<(number | null)[]> {
    const deadline = threadNowMs() + timeoutMs;
    const entries = results.map((r) => this.tracked.get(r));
    const exitAt: (number | null)[] = results.map(() => null);
    let waiting = entries.flatMap((t, i) => (t && !t.released ? [i] : []));
    while (waiting.length > 0) {
      const remaining = deadline - threadNowMs();
      if (remaining <= 0) break;
      const set = new PollSet(waiting.map((i) => ({ fd: (entries[i] as Tracked).fd, events: POLLIN })));
      try {
        await pollAsync(set, Math.min(Math.ceil(remaining), MAX_POLL_SLICE_MS));
      } catch (e) {
        // EINTR on the pool thread: poll again with what is left. Anything else would
        // only repeat: report the victims as not exited.
        if (!isSyscallError(e, 'EINTR')) break;
      }
      const now = threadNowMs();
      waiting = waiting.filter((i, j) => {
        if (set.revents(j) === 0) return true;
        exitAt[i] = now;
        return false;
      });
    }
    await this.settleWithin(entries, deadline);
    const exits = entries.map((t, i) => {
      if (!t) return null;
      if (t.released) return t.exitMs ?? null;
      const at = exitAt[i] ?? null;
      t.exitMs = at === null ? null : round3(at - t.signalAbs);
      return t.exitMs;
    });
    this.release(entries);
    return exits;
  }

  /** Close the kill thread and every pidfd it holds. */
  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    this.readyPromise = undefined;
    this.fail('killer closed');
    await channel?.close();
  }

  private open(): Channel {
    if (this.channel) return this.channel;
    this.readyPromise = new Promise((resolve) => (this.readyResolve = resolve));
    const events: ChannelEvents = {
      message: (m) => this.onMessage(m),
      failed: (message) => {
        this.channel = undefined;
        this.readyResolve?.([`failed: ${message}`]);
        this.fail(message);
      },
    };
    const { useWorker = true, sys, protect } = this.options;
    this.channel = useWorker ? workerChannel(this.config, events) : inlineChannel(this.config, events, sys, protect);
    return this.channel;
  }

  private onMessage(m: FromCore): void {
    switch (m.t) {
      case 'ready':
        this.readyResolve?.(m.notes);
        if (this.requests.size === 0) this.channel?.hold(false);
        break;
      case 'killed':
        this.onKilled(m.id, m.outcomes, m.timing);
        break;
      case 'update':
        this.onUpdate(m.update);
        break;
      case 'protect-query': {
        const rule = this.options.protect;
        const protectedPids = rule ? m.pids.filter((p) => rule(p)) : [];
        this.channel?.send({ t: 'protect-answer', qid: m.qid, protectedPids });
        break;
      }
      case 'failed':
        if (m.id === undefined) this.fail(m.message);
        else this.takeRequest(m.id)?.reject(new Error(m.message));
        break;
    }
  }

  private takeRequest(id: number): Request | undefined {
    const request = this.requests.get(id);
    this.requests.delete(id);
    if (this.requests.size === 0) this.channel?.hold(false);
    return request;
  }

  private onKilled(id: number, outcomes: Extract<FromCore, { t: 'killed' }>['outcomes'], timing: BatchTiming): void {
    const request = this.takeRequest(id);
    if (!request) return;
    const { requestedAt } = request;
    this.report = {
      handoffMs: round3(timing.startAt - requestedAt),
      decisionToSignalMs: timing.signalAt.map((s) => (s === null ? null : round3(s - requestedAt))),
      batchMs: round3(timing.doneAt - timing.startAt),
    };
    const results = outcomes.map((o, i): KillResult => {
      const result: KillResult = {
        victim: request.victims[i] as Victim,
        killed: o.killed,
        reaped: o.reaped,
        reapMs: o.reapMs === null ? null : round3(o.reapMs),
        signalAtMs: o.signalAt === null ? null : this.toClock(o.signalAt),
        notes: o.notes,
      };
      if (o.error !== undefined) result.error = o.error;
      if (o.key !== undefined && o.fd !== undefined && o.signalAt !== null) this.track(result, o.key, o.fd, o.signalAt, o.pending);
      return result;
    });
    request.resolve(results);
  }

  private track(result: KillResult, key: number, fd: number, signalAbs: number, pending: boolean): void {
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const t: Tracked = { key, fd, result, signalAbs, pending, released: false, settled, settle };
    if (!pending) settle();
    this.tracked.set(result, t);
    this.byKey.set(key, t);
  }

  private onUpdate(update: Update): void {
    const t = this.byKey.get(update.key);
    if (!t) return;
    const r = t.result;
    r.reaped = update.reaped;
    r.reapMs = update.reapMs === null ? null : round3(update.reapMs);
    r.notes = update.notes;
    if (update.error !== undefined) r.error = update.error;
    if (!update.settled) return;
    t.pending = false;
    t.settle();
    if (t.released) this.byKey.delete(t.key);
  }

  /** Reap follow-ups (retries, shared mm) get until the deadline to land in the record. */
  private async settleWithin(entries: readonly (Tracked | undefined)[], deadline: number): Promise<void> {
    const open = entries.filter((t): t is Tracked => t?.pending === true);
    const remaining = deadline - threadNowMs();
    if (open.length === 0 || remaining <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(open.map((t) => t.settled)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining))),
    ]);
    clearTimeout(timer);
  }

  private release(entries: readonly (Tracked | undefined)[]): void {
    const keys: number[] = [];
    for (const t of entries) {
      if (!t || t.released) continue;
      t.released = true;
      keys.push(t.key);
      if (!t.pending) this.byKey.delete(t.key);
    }
    if (keys.length > 0) this.channel?.send({ t: 'release', keys });
  }

  private fail(message: string): void {
    for (const [id, request] of [...this.requests]) {
      this.requests.delete(id);
      request.reject(new Error(message));
    }
  }

  /** A kill-thread time (threadNowMs base) on this killer's Clock. */
  private toClock(abs: number): number {
    return this.clock.nowMs() - (threadNowMs() - abs);
  }
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
