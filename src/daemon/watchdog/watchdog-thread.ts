// The watchdog thread (see watchdog.ts for the design). It blocks in a synchronous poll(2)
// on its own thread — never on the libuv pool — over its wake eventfd and the pressure
// sources of every domain it guards; with event sources and calm memory the timeout is -1
// (no periodic wakeups).
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessSource } from '../../engine/ports.js';
import { systemClock } from '../../kernel/clock.js';
import { writeLineToFd } from '../../kernel/fd-output.js';
import { KernelKiller } from '../../kernel/kill/main-thread-killer.js';
import { KernelProcessSource } from '../../kernel/source.js';
import { isSyscallError } from '../../kernel/sys/errors.js';
import { poll, PollSet, POLLIN } from '../../kernel/sys/io.js';
import { adaptiveSleepMs } from '../../kernel/triggers/threshold-poller.js';
import { drainEventfd } from '../../kernel/triggers/memcg-event.js';
import { Logger } from '../logger.js';
import { setThreadRealtime } from '../../kernel/self/protect.js';
import { SLOT_BEAT, SLOT_STOP, type WatchdogConfig, type WatchdogDomainConfig, type WatchdogMessage } from './watchdog.js';
import { emergencyReclaim, type EmergencyDeps } from './emergency.js';
import { domainMemory, type DomainMemory } from '../../kernel/procfs/headroom.js';
import { criticalHeadroomKiB, isCritical } from './critical.js';
import { armSources, closeSource, serviceSource, type WatchSource } from '../../kernel/triggers/sync-sources.js';

const config = workerData as WatchdogConfig;
const slots = new Int32Array(config.sab);
const post = (m: WatchdogMessage): void => parentPort?.postMessage(m);
const stopping = (): boolean => Atomics.load(slots, SLOT_STOP) === 1;

interface Guarded {
  cfg: WatchdogDomainConfig;
  sources: WatchSource[];
  /**
   * The domain's process source. No fd cache: the watchdog scans only in an emergency,
   * and a cache would hold an fd (and a pinned kernel buffer) per process for good.
   */
  source: ProcessSource;
  /** Next poll timeout this domain asks for (-1: events only). */
  timeoutMs: number;
  critical: boolean;
}

/** When the main thread last answered a ping (its heartbeat moved), on this thread's clock. */
let lastAliveMs: number | undefined;

/**
 * Memory is critical: is the main loop alive? Ping it and wait for its heartbeat, until
 * stallMs after the last time it answered (a full stallMs when that is unknown or old).
 * Returns how long it has been silent (≥ stallMs), or null when it answered.
 */
function mainLoopSilentMs(): number | null {
  const before = Atomics.load(slots, SLOT_BEAT);
  const startMs = systemClock.nowMs();
  const since = lastAliveMs !== undefined && startMs - lastAliveMs < config.stallMs ? lastAliveMs : startMs;
  post({ t: 'ping' });
  const r = Atomics.wait(slots, SLOT_BEAT, before, Math.max(1, since + config.stallMs - startMs));
  if (stopping()) return null;
  if (r !== 'timed-out') {
    lastAliveMs = systemClock.nowMs();
    return null;
  }
  return systemClock.nowMs() - since;
}

/** Poll once over every domain's sources; drops (and closes) the sources that ended. */
function waitForPressure(wakeFd: number, domains: Guarded[], timeoutMs: number, log: Logger): void {
  const all = domains.flatMap((d) => d.sources.map((s) => ({ d, s })));
  const set = new PollSet([{ fd: wakeFd, events: POLLIN }, ...all.map(({ s }) => s)]);
  try {
    poll(set, timeoutMs);
  } catch (e) {
    if (!isSyscallError(e, 'EINTR')) throw e;
    return;
  }
  if (set.revents(0)) drainEventfd(wakeFd);
  all.forEach(({ d, s }, i) => {
    const revents = set.revents(i + 1);
    if (revents === 0 || serviceSource(s, revents, d.cfg.memcg)) return;
    d.sources.splice(d.sources.indexOf(s), 1);
    closeSource(s);
    log.warn('watchdog-source-ended', `watchdog: ${s.name} ended (the cgroup went away)`, { domain: d.cfg.name });
  });
}

/** Read a domain's memory; without event sources, pace the next read (earlyoom's formula). */
function check(d: Guarded): DomainMemory {
  const mem = domainMemory(d.cfg.memcg);
  d.critical = isCritical(mem, d.cfg.thresholds);
  d.timeoutMs = d.sources.length > 0 ? -1 : adaptiveSleepMs(
    { headroomKiB: mem.headroomKiB - criticalHeadroomKiB(mem, d.cfg.thresholds) },
    { ramFillRateKiBPerMs: 6000, swapFillRateKiBPerMs: 800, minSleepMs: config.recheckMs, maxSleepMs: config.maxPollMs },
  );
  return mem;
}

function nextTimeoutMs(domains: Guarded[]): number {
  if (domains.some((d) => d.critical)) return config.recheckMs;
  const finite = domains.map((d) => d.timeoutMs).filter((t) => t >= 0);
  return finite.length > 0 ? Math.min(...finite) : -1;
}

async function actIn(d: Guarded, silentMs: number, deps: EmergencyDeps): Promise<void> {
  const now = domainMemory(d.cfg.memcg);
  if (!isCritical(now, d.cfg.thresholds)) return;
  try {
    const ctx = { selfPid: config.selfPid, exitTimeoutMs: config.exitTimeoutMs, source: d.source };
    const action = await emergencyReclaim(d.cfg, ctx, deps, silentMs, now);
    if (action) post({ t: 'action', action });
  } catch (e) {
    // Keep watching: a failed scan or kill now must not end the watchdog for good.
    deps.log.error('watchdog-failed', `WATCHDOG: emergency reclaim failed: ${e instanceof Error ? e.message : String(e)}`, { domain: d.cfg.name });
  }
}

async function run(deps: EmergencyDeps, log: Logger, domains: Guarded[]): Promise<void> {
  for (const d of domains) d.timeoutMs = d.sources.length > 0 ? -1 : config.maxPollMs;
  while (!stopping()) {
    waitForPressure(config.wakeFd, domains, nextTimeoutMs(domains), log);
    if (stopping()) break;
    for (const d of domains) check(d);
    if (!domains.some((d) => d.critical)) continue;
    const silentMs = mainLoopSilentMs();
    if (silentMs === null) continue; // the daemon is alive and handles it
    for (const d of domains.filter((x) => x.critical)) await actIn(d, silentMs, deps);
  }
}

function guard(cfg: WatchdogDomainConfig, notes: string[], named: boolean): Guarded {
  const armed = armSources(cfg.memcg, cfg.memcgEvents, cfg.psi);
  const prefix = named ? `${cfg.name}: ` : '';
  notes.push(...armed.notes.map((n) => `${prefix}${n}`));
  for (const s of armed.sources) s.name = `${prefix}${s.name}`;
  const source = new KernelProcessSource({ ...(cfg.memcg !== undefined ? { memcg: cfg.memcg } : {}), selfPid: config.selfPid, fdCache: false });
  return { cfg, sources: armed.sources, source, timeoutMs: -1, critical: false };
}

async function main(): Promise<void> {
  const log = new Logger({ format: config.logFormat, level: 'info', out: { write: (line) => writeLineToFd(config.logFd, line) } });
  const notes: string[] = [];
  if (config.realtime) notes.push(`watchdog thread: ${setThreadRealtime(config.realtime, 'realtime-kill-thread').message}`);
  const domains = config.domains.map((cfg) => guard(cfg, notes, config.domains.length > 1));
  const killer = new KernelKiller({ ...config.killer, useWorker: false, clock: systemClock });
  const deps: EmergencyDeps = { killer, log, nowMs: systemClock.nowMs, wallMs: systemClock.wallMs };
  post({ t: 'ready', notes, sources: domains.flatMap((d) => d.sources.map((s) => s.name)) });
  try {
    await run(deps, log, domains);
  } finally {
    for (const d of domains) for (const s of d.sources) closeSource(s);
    await killer.close();
  }
}

main().catch((e: unknown) => {
  post({ t: 'failed', message: `watchdog thread: ${e instanceof Error ? e.message : String(e)}` });
});
