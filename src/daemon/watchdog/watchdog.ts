// The watchdog: a kill path that does not depend on the main event loop.
//
// lmkd kills from its watchdog when its main loop is stuck for 2 s. Here a worker thread
// (watchdog-thread.ts) sleeps in poll(2) on its own pressure sources — memcg v1 eventfds or
// a PSI trigger, so it makes no periodic wakeups when memory is fine — and reads the
// domain's memory (one or two small files) when one fires. Only when memory is critically
// low does it ask whether the main thread is alive: it posts a ping and waits (Atomics.wait
// on a SharedArrayBuffer) for the main thread's heartbeat — an Atomics.add + notify that
// the ping handler, or any call to heartbeat(), performs. No answer within stallMs (2000)
// while memory stays critical: the worker scans the domain (KernelProcessSource), lets the
// configured policy pick (getPolicy(name).decide on that snapshot), kills through the kill
// path (KernelKiller, run inline on the watchdog thread) and says so loudly on stderr
// itself — the main thread cannot log while it is stalled — then reports the action to
// the main thread, which journals it once it runs again.
//
// Exit safety: the worker blocks in a synchronous poll on its own thread (no libuv pool
// thread held). Node joins worker threads at exit, so a process 'exit' hook sets the stop
// flag and writes the worker's wake eventfd; stop() does the same and waits for the thread.
import { Worker } from 'node:worker_threads';
import type { KillResult } from '../../engine/ports.js';
import type { PolicyName } from '../../model/decision.js';
import { NO_RULES, type ProtectionRules } from '../../policy/types.js';
import { close, eventfd, eventfdWrite, EFD_CLOEXEC, EFD_NONBLOCK } from '../../kernel/sys/io.js';
import type { KernelKillerOptions } from '../../kernel/kill/types.js';
import type { PsiSpec } from '../../kernel/triggers/psi-arm.js';
import { silentLog, type TriggerLog } from '../../kernel/triggers/types.js';
import type { RealtimeOptions } from '../../kernel/self/protect.js';
import type { WatchdogThresholds } from './critical.js';

/** SharedArrayBuffer slots (Int32). */
export const SLOT_BEAT = 0;
export const SLOT_STOP = 1;
const SLOTS = 2;

/** Plain kill-path settings (no functions: they cross into the worker). */
type WatchdogKillerOptions = Omit<KernelKillerOptions, 'clock' | 'sys' | 'protect' | 'useWorker'>;

/** One memory domain the watchdog guards (structured-clonable). */
export interface WatchdogDomainConfig {
  /** For logs and actions: the daemon's domain name (default: the memcg path or "machine"). */
  name: string;
  /** A cgroup directory (v1 memory or cgroup2), or undefined for the whole machine. */
  memcg?: string;
  thresholds: WatchdogThresholds;
  /** Register memory.pressure_level critical + memory.oom_control eventfds (v1 memcg domains). */
  memcgEvents: boolean;
  /**
   * A PSI trigger to wake on; null: none; "auto": for the machine "some 100000 2000000"
   * on /proc/pressure/memory, for a cgroup2 domain the same on its memory.pressure, for
   * a v1 memcg domain none (its eventfds serve).
   */
  psi: PsiSpec | null | 'auto';
  policy: PolicyName;
  params: unknown;
  rules: ProtectionRules;
  /** Only processes with oom_score_adj >= this are candidates (null: no floor). */
  minOomScoreAdj: number | null;
  dryRun: boolean;
}

/** Everything the worker needs, as structured-clonable data. */
export interface WatchdogConfig {
  domains: WatchdogDomainConfig[];
  /** Main loop silent this long while memory is critical → act. lmkd: 2 s. */
  stallMs: number;
  /** While memory is critical, re-read it (and ping the main loop) this often, ms. */
  recheckMs: number;
  /** With no event source: poll adaptively (earlyoom's formula) up to this, ms. */
  maxPollMs: number;
  /** How long to wait for victims to exit after an emergency kill, ms. */
  exitTimeoutMs: number;
  selfPid: number;
  /** Real-time priority for the watchdog thread (false: leave it). */
  realtime: RealtimeOptions | false;
  killer: WatchdogKillerOptions;
  /** The worker writes its emergency lines here itself (the main thread may be stuck). */
  logFd: number;
  logFormat: 'human' | 'json';
  sab: SharedArrayBuffer;
  /**
   * The eventfd that wakes the worker's poll. The main thread creates and closes it (after
   * the thread is gone), so a write can never hit a reused fd number.
   */
  wakeFd: number;
}

/** What the watchdog did on its own, reported to the main thread afterwards. */
export interface WatchdogAction {
  /** WatchdogDomainConfig.name of the domain it acted in. */
  domain: string;
  /** Wall-clock time of the kill, ms since the epoch. */
  wallMs: number;
  /** How long the main loop had been silent when the watchdog acted, ms. */
  silentMs: number;
  /** The domain's memory at that moment. */
  memory: string;
  policy: PolicyName;
  /** The policy's one-sentence summary of its decision. */
  summary: string;
  results: KillResult[];
  /** Per result: signal to exit, ms, or null when not seen within exitTimeoutMs. */
  exitMs: (number | null)[];
  dryRun: boolean;
}

export type WatchdogMessage =
  | { t: 'ready'; notes: string[]; sources: string[] }
  | { t: 'ping' }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; event: string; message: string; fields?: Record<string, unknown> }
  | { t: 'action'; action: WatchdogAction }
  | { t: 'failed'; message: string };

/** One domain to guard. */
export interface WatchdogDomainOptions {
  /** Default: the memcg path, or "machine". */
  name?: string;
  memcg?: string;
  policy: PolicyName;
  params: unknown;
  rules?: ProtectionRules;
  minOomScoreAdj?: number | null;
  dryRun?: boolean;
  /** Default: below 5 % of the domain's size. */
  thresholds?: WatchdogThresholds;
  /** Default true: v1 memcg eventfds where the domain is a v1 memcg. */
  memcgEvents?: boolean;
  /** Default "auto" (see WatchdogDomainConfig.psi). */
  psi?: PsiSpec | null | 'auto';
}

/** Settings of the watchdog thread, whatever domains it guards. */
interface WatchdogSharedOptions {
  /** Default 2000 (lmkd's watchdog). */
  stallMs?: number;
  /** Default 250. */
  recheckMs?: number;
  /** Default 1000. */
  maxPollMs?: number;
  /** Default 2000. */
  exitTimeoutMs?: number;
  selfPid?: number;
  /** Default SCHED_FIFO 10, like the kill thread. */
  realtime?: RealtimeOptions | false;
  killer?: WatchdogKillerOptions;
  /** Default 1: stdout, where the daemon's Logger writes. */
  logFd?: number;
  logFormat?: 'human' | 'json';
  /** The daemon's logger: the worker's messages arrive here when the main loop runs. */
  log?: TriggerLog;
  /** Called (on the main thread, after the fact) for every action the watchdog took. */
  onAction?: (action: WatchdogAction) => void;
  /** Ready timeout, ms (default 10 000). */
  startTimeoutMs?: number;
}

/** One domain, one thread. */
type WatchdogOptions = WatchdogDomainOptions & WatchdogSharedOptions;

function watchdogDomainConfig(d: WatchdogDomainOptions): WatchdogDomainConfig {
  const config: WatchdogDomainConfig = {
    name: d.name ?? d.memcg ?? 'machine',
    thresholds: d.thresholds ?? { headroomBelowPercent: 5 },
    memcgEvents: d.memcgEvents ?? true,
    psi: d.psi === undefined ? 'auto' : d.psi,
    policy: d.policy,
    params: d.params,
    rules: d.rules ?? NO_RULES,
    minOomScoreAdj: d.minOomScoreAdj ?? null,
    dryRun: d.dryRun ?? false,
  };
  if (d.memcg !== undefined) config.memcg = d.memcg;
  return config;
}

function watchdogConfig(
  domains: readonly WatchdogDomainOptions[],
  o: WatchdogSharedOptions,
  sab: SharedArrayBuffer,
  wakeFd: number,
): WatchdogConfig {
  return {
    domains: domains.map(watchdogDomainConfig),
    stallMs: o.stallMs ?? 2000,
    recheckMs: o.recheckMs ?? 250,
    maxPollMs: o.maxPollMs ?? 1000,
    exitTimeoutMs: o.exitTimeoutMs ?? 2000,
    selfPid: o.selfPid ?? process.pid,
    realtime: o.realtime ?? { policy: 'fifo', priority: 10 },
    killer: o.killer ?? {},
    logFd: o.logFd ?? 1,
    logFormat: o.logFormat ?? 'human',
    sab,
    wakeFd,
  };
}

export class Watchdog {
  private readonly slots: Int32Array;
  private readonly log: TriggerLog;
  private actionCount = 0;
  private stopped = false;
  private readonly exited: Promise<void>;
  private readonly exitHook = (): void => this.signalStop();
  /** Where the worker's pressure sources are, for the start log line. */
  sources: string[] = [];
  notes: string[] = [];

  private constructor(
    private readonly worker: Worker,
    sab: SharedArrayBuffer,
    private readonly wakeFd: number,
    private readonly options: WatchdogSharedOptions,
  ) {
    this.slots = new Int32Array(sab);
    this.log = options.log ?? silentLog;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    process.on('exit', this.exitHook);
  }

  /** Start a watchdog thread for one domain; resolves once its pressure sources are armed. */
  static start(options: WatchdogOptions): Promise<Watchdog> {
    return Watchdog.startDomains([options], options);
  }

  /**
   * One thread for several domains: each thread costs ~13 MB of RSS (its own V8 isolate),
   * so a daemon with many domains should start one watchdog for all of them.
   */
  static startDomains(domains: readonly WatchdogDomainOptions[], shared: WatchdogSharedOptions = {}): Promise<Watchdog> {
    if (domains.length === 0) return Promise.reject(new Error('watchdog: no domain to guard'));
    const sab = new SharedArrayBuffer(SLOTS * 4);
    const wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const workerData = watchdogConfig(domains, shared, sab, wakeFd);
    const worker = new Worker(new URL('./watchdog-thread.js', import.meta.url), { workerData });
    const dog = new Watchdog(worker, sab, wakeFd, shared);
    return dog.waitReady(shared.startTimeoutMs ?? 10_000);
  }

  /** Prove the main loop is alive (cheap: one atomic add and notify). */
  heartbeat(): void {
    Atomics.add(this.slots, SLOT_BEAT, 1);
    Atomics.notify(this.slots, SLOT_BEAT);
  }

  /** Emergency actions taken so far. */
  get actions(): number {
    return this.actionCount;
  }

  /** Stop the thread (wakes its poll) and wait until it is gone. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.signalStop();
    process.off('exit', this.exitHook);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5000)));
    if ((await Promise.race([this.exited, late])) === 'late') await this.worker.terminate();
    clearTimeout(timer);
    close(this.wakeFd);
  }

  private signalStop(): void {
    Atomics.store(this.slots, SLOT_STOP, 1);
    Atomics.notify(this.slots, SLOT_BEAT);
    try {
      eventfdWrite(this.wakeFd, 1n);
    } catch {
      /* closed: the thread is gone already */
    }
  }

  private waitReady(timeoutMs: number): Promise<Watchdog> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.stop();
        reject(new Error(`watchdog thread not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      this.worker.on('error', (e) => {
        clearTimeout(timer);
        this.log('error', 'watchdog-failed', `watchdog thread failed: ${e.message}`);
        void this.stop();
        reject(e);
      });
      this.worker.on('message', (m: WatchdogMessage) => {
        if (m.t === 'ready') {
          clearTimeout(timer);
          this.sources = m.sources;
          this.notes = m.notes;
          resolve(this);
        } else if (m.t === 'failed') {
          clearTimeout(timer);
          this.log('error', 'watchdog-failed', m.message);
          void this.stop();
          reject(new Error(m.message));
        } else this.onMessage(m);
      });
      // The thread never keeps the process alive by itself.
      this.worker.unref();
    });
  }

  private onMessage(m: WatchdogMessage): void {
    switch (m.t) {
      case 'ping':
        this.heartbeat();
        break;
      case 'log':
        this.log(m.level, m.event, m.message, m.fields);
        break;
      case 'action':
        this.actionCount++;
        this.options.onAction?.(m.action);
        break;
      default:
        break;
    }
  }
}
