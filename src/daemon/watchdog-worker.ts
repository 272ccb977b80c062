// The watchdog thread (see watchdog.ts for the design). It blocks in a synchronous poll(2)
// on its own thread — never on the libuv pool — over its wake eventfd and its pressure
// sources; with event sources and calm memory the timeout is -1 (no periodic wakeups).
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessSource } from '../engine/ports.js';
import { systemClock } from '../kernel/clock.js';
import { KernelKiller } from '../kernel/kill/index.js';
import { KernelProcessSource } from '../kernel/source.js';
import { isSyscallError, poll, PollSet, POLLIN } from '../kernel/sys/index.js';
import { adaptiveSleepMs, drainEventfd } from '../kernel/triggers/index.js';
import { Logger } from './logger.js';
import { setThreadRealtime } from './self-protect.js';
import { SLOT_BEAT, SLOT_STOP, type WatchdogConfig, type WatchdogMessage } from './watchdog.js';
import { emergencyReclaim, type EmergencyDeps } from './watchdog-emergency.js';
import { criticalHeadroomKiB, domainMemory, isCritical } from './watchdog-memory.js';
import { armSources, closeSource, serviceSource, type WatchSource } from './watchdog-sources.js';

const config = workerData as WatchdogConfig;
const slots = new Int32Array(config.sab);
const post = (m: WatchdogMessage): void => parentPort?.postMessage(m);
const stopping = (): boolean => Atomics.load(slots, SLOT_STOP) === 1;

/**
 * The domain's process source. No fd cache: the watchdog scans only in an emergency, and
 * a cache would hold an fd (and a pinned kernel buffer) per process for the daemon's life.
 */
function makeSource(): ProcessSource {
  return new KernelProcessSource({ ...(config.memcg !== undefined ? { memcg: config.memcg } : {}), selfPid: config.selfPid, fdCache: false });
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

/** Poll once; returns the sources that finished (their group went away). */
function waitForPressure(wakeFd: number, sources: WatchSource[], timeoutMs: number): WatchSource[] {
  const set = new PollSet([{ fd: wakeFd, events: POLLIN }, ...sources]);
  try {
    poll(set, timeoutMs);
  } catch (e) {
    if (!isSyscallError(e, 'EINTR')) throw e;
    return [];
  }
  if (set.revents(0)) drainEventfd(wakeFd);
  return sources.filter((s, i) => set.revents(i + 1) !== 0 && !serviceSource(s, set.revents(i + 1), config.memcg));
}

async function run(log: Logger, deps: EmergencyDeps, wakeFd: number, sources: WatchSource[]): Promise<void> {
  let critical = false;
  let timeoutMs = sources.length > 0 ? -1 : config.maxPollMs;
  while (!stopping()) {
    for (const gone of waitForPressure(wakeFd, sources, critical ? config.recheckMs : timeoutMs)) {
      sources.splice(sources.indexOf(gone), 1);
      closeSource(gone);
      log.warn('watchdog-source-ended', `watchdog: ${gone.name} ended (the cgroup went away)`);
    }
    if (stopping()) break;
    const mem = domainMemory(config.memcg);
    critical = isCritical(mem, config.thresholds);
    // Without an event source, sleep as long as memory cannot fill (earlyoom's formula).
    if (sources.length === 0) {
      timeoutMs = adaptiveSleepMs({ headroomKiB: mem.headroomKiB - criticalHeadroomKiB(mem, config.thresholds) }, {
        ramFillRateKiBPerMs: 6000, swapFillRateKiBPerMs: 800, minSleepMs: config.recheckMs, maxSleepMs: config.maxPollMs,
      });
    }
    if (!critical) continue;
    const silentMs = mainLoopSilentMs();
    if (silentMs === null) continue; // the daemon is alive and handles it
    const now = domainMemory(config.memcg);
    if (!isCritical(now, config.thresholds)) continue;
    try {
      const action = await emergencyReclaim(config, deps, silentMs, now);
      if (action) post({ t: 'action', action });
    } catch (e) {
      // Keep watching: a failed scan or kill now must not end the watchdog for good.
      log.error('watchdog-failed', `WATCHDOG: emergency reclaim failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

async function main(): Promise<void> {
  const log = new Logger({
    format: config.logFormat,
    level: 'info',
    out: { write: (line) => void writeSync(config.logFd, line) },
  });
  const notes: string[] = [];
  if (config.realtime) {
    const rt = setThreadRealtime(config.realtime, 'realtime-kill-thread');
    notes.push(`watchdog thread: ${rt.message}`);
  }
  const wakeFd = config.wakeFd; // owned (created and closed) by the main thread
  const armed = armSources(config.memcg, config.memcgEvents, config.psi);
  notes.push(...armed.notes);
  const killer = new KernelKiller({ ...config.killer, useWorker: false, clock: systemClock });
  const deps: EmergencyDeps = { source: makeSource(), killer, log, nowMs: systemClock.nowMs, wallMs: systemClock.wallMs };
  post({ t: 'ready', notes, sources: armed.sources.map((s) => s.name) });
  try {
    await run(log, deps, wakeFd, armed.sources);
  } finally {
    for (const s of armed.sources) closeSource(s);
    await killer.close();
  }
}

main().catch((e: unknown) => {
  post({ t: 'failed', message: `watchdog thread: ${e instanceof Error ? e.message : String(e)}` });
});
