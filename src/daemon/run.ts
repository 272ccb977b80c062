// `reapd run`: the real services around the Daemon — the capability probe (logged once),
// self-protection, the kill thread, the journal, the fd poller, the control socket — and
// the signals: SIGHUP reloads, SIGTERM/SIGINT stop cleanly (exit code 0).
import { systemClock } from '../kernel/clock.js';
import { KernelKiller } from '../kernel/kill/main-thread-killer.js';
import { KernelProcessSource } from '../kernel/source.js';
import { FdPoller } from '../kernel/fd-poller.js';
import { FileJournal } from '../journal/file-journal.js';
import { formatKillLine } from '../journal/format.js';
import { journalPathProblem } from '../journal/probe.js';
import { ControlServer } from '../control/server.js';
import type { Config } from '../config/types.js';
import type { ConfigFlags } from '../config/flags.js';
import { readConfigOffThread } from './config-reader.js';
import { Daemon, NO_JOURNAL, type ClosableJournal, type ControlPort, type DaemonServices } from './daemon.js';
import { Logger, type LogOutput } from './logger.js';
import { GroupPidsSource, isUnaccountedGroup } from '../kernel/group-source.js';
import { POLICIES } from '../policy/registry.js';
import { probeAndLog } from './startup.js';
import { protectSelf } from '../kernel/self/protect.js';
import { startWatchdog } from './watchdog/domain-watchdogs.js';
import { startErrorExitCode } from './start-errors.js';
import { pressurePathFor } from './trigger-plan.js';
import { Telling } from './telling.js';
import { ServiceNotifier } from '../kernel/service-notify.js';
import { EXIT_FAILURE, EXIT_OK, Signals } from './signals.js';
import { logLoopDelay, startLoopDelay } from './loop-delay.js';
import { OwnMemory } from './self-memory.js';

interface RunOptions {
  config: Config;
  /** The file to re-read on SIGHUP (undefined: the embedded default). */
  configPath: string | undefined;
  flags: ConfigFlags;
  /** The package version for the start line (the CLI reads it from package.json). */
  version: string;
  out?: LogOutput;
  /** What the Node-flags re-exec found (node-flags.ts), for the start log. */
  nodeFlags?: string;
}

function openJournal(path: string | null, logger: Logger, telling: Telling): ClosableJournal {
  if (path === null) return NO_JOURNAL;
  const problem = journalPathProblem(path);
  if (problem) logger.error('journal-unwritable', `kill journal: ${problem}; kills will happen but will not be recorded until this is fixed`, { path });
  return new FileJournal(path, {
    onError: (e, r) => {
      telling.journalFailed();
      logger.error('journal-failed', `kill journal ${path}: ${e.message} (record of pid ${r.pid} not kept)`, { path });
    },
  });
}

function openControl(logger: Logger, daemon: Daemon, path: string): Promise<ControlPort> {
  const server = new ControlServer({
    path,
    clock: systemClock,
    log: (level, event, message, fields) => logger.log(level, event, message, fields),
    logEnabled: (level) => logger.enabled(level),
    onTarget: (levels) => {
      const applied = daemon.domainList.filter((d) => d.setLevels(levels)).map((d) => d.name);
      logger.info('lmk-target', `LMK_TARGET: ${levels.length} levels applied to ${applied.length > 0 ? applied.join(', ') : 'no domain (none uses lowmemorykiller or lmkd)'}`, { levels });
      return applied.length > 0;
    },
    onUpdateProps: () => daemon.reload(),
  });
  return server.start().then(() => server);
}

interface Started {
  killer: KernelKiller;
  caps: { psi: boolean };
  /** The daemon can no longer guard: stop, say why, exit non-zero. */
  onFatal(reason: string): void;
  own: OwnMemory | undefined;
}

/** Probe, protect, start the kill thread: everything before the domains. */
async function prepare(config: Config, logger: Logger, signals: Signals): Promise<Started> {
  const caps = probeAndLog(logger, config);
  // Own cgroup first: the locked pages and the kill thread's heap are then charged there.
  const own = config.daemon.selfProtect
    ? OwnMemory.start(logger, systemClock, { enabled: config.daemon.selfCgroup, swapTotalKiB: caps.capabilities.swapTotalKiB ?? 0 })
    : undefined;
  if (config.daemon.selfProtect) protectAndLog(logger);
  const k = config.kill;
  const killer = new KernelKiller({
    clock: systemClock, thaw: k.thaw, allCpus: k.allCpus, rtBoost: k.rtBoost, reap: k.reap, reapDelayMs: k.reapDelayMs,
    // The kill thread's own real-time priority is part of self-protection.
    ...(config.daemon.selfProtect ? {} : { threadRtPriority: null }),
  });
  for (const n of await killer.ready()) logger.info('kill-thread', n);
  return { killer, caps, onFatal: (reason) => signals.fatal(reason), own };
}

function services(o: RunOptions, logger: Logger, started: Started, telling: Telling): DaemonServices {
  const s: DaemonServices = {
    logger,
    clock: systemClock,
    selfPid: process.pid,
    psiAvailable: started.caps.psi,
    killer: started.killer,
    poller: new FdPoller({
      log: (level, event, message, fields) => logger.log(level, event, message, fields),
      onFailed: (message) => started.onFatal(`the trigger poll failed: ${message}`),
    }),
    openJournal: (path) => openJournal(path, logger, telling),
    makeSource: (d, kind) => {
      // Pressure events scan incrementally (docs/snapshot-format.md); oom_score is read
      // only for the policy that ranks by it, and only of the processes that could win
      // when it says which (scoresUsed). A policy change builds a new domain and source.
      // Sizes are read lazily for policies that say which sizes a decision used, unless
      // scopes are on: the scope ranking sums every process's size (and oom_score is then
      // read for every process).
      const policy = POLICIES[d.policy];
      const processesOnly = d.scopes.mode === 'none';
      const onDemand = policy.readsOomScore && policy.scoresUsed !== undefined && processesOnly;
      // The stall average comes from the file whose PSI the domain watches (the machine's,
      // the cgroup2 group's, a v1 memcg's psi_group; none for a v1 memcg without one).
      const pressureFile = policy.readsStallAverage === true ? pressurePathFor(d, kind) : null;
      const scan = {
        scanMode: 'incremental',
        needOomScore: policy.readsOomScore && !onDemand,
        scoreOnDemand: onDemand,
        lazySizes: policy.sizesUsed !== undefined && processesOnly,
        stallAverage: pressureFile !== null,
        ...(pressureFile !== null ? { pressureFile } : {}),
      } as const;
      if (kind === 'cgroup2' && d.memcg !== null && isUnaccountedGroup(d.memcg)) {
        logger.info('domain-memory', `${d.memcg} has no memory controller: its processes are the candidates, the memory numbers are the machine's`, { domain: d.name });
        return new GroupPidsSource(d.memcg, process.pid, scan);
      }
      return new KernelProcessSource({ ...scan, memcg: d.memcg ?? undefined, selfPid: process.pid });
    },
    formatKill: formatKillLine,
    reloadConfig: () => readConfigOffThread(o.configPath, o.flags),
    openControl: (path, daemon) => openControl(logger, daemon, path),
    startWatchdog: (cfg, journal) => startWatchdog(cfg, { logger, journal, formatKill: formatKillLine, observer: telling.observer }),
    ...(started.own ? { afterEvent: () => started.own?.check() } : {}),
    pageFaults: () => {
      const u = process.resourceUsage();
      return { minor: u.minorPageFault, major: u.majorPageFault };
    },
  };
  s.observer = telling.observer;
  return s;
}

export async function runDaemon(o: RunOptions): Promise<number> {
  const { config } = o;
  const logger = new Logger({ format: config.daemon.logFormat, level: config.daemon.logLevel, ...(o.out ? { out: o.out } : {}) });
  // Signals first: a SIGHUP or SIGTERM during start-up must not kill the process outright.
  const notifier = new ServiceNotifier({ onError: (m) => logger.warn('service-notify-failed', m) });
  const signals = new Signals(logger, notifier);
  logger.info('starting', `reapd ${o.version} starting (pid ${process.pid}) on ${config.file}`, { version: o.version, pid: process.pid, config: config.file });
  if (o.nodeFlags) logger.info('node-flags', `Node flags: ${o.nodeFlags}`, { execArgv: process.execArgv });
  const telling = new Telling(config, logger);
  const started = await prepare(config, logger, signals);
  const daemon = new Daemon(config, services(o, logger, started, telling));
  try {
    await daemon.start();
    await telling.start(daemon);
  } catch (e) {
    const code = startErrorExitCode(e);
    logger.error('start-failed', `cannot start: ${e instanceof Error ? e.message : String(e)}`, { exitCode: code });
    notifier.status(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await telling.stop();
    await daemon.stop();
    started.own?.stop();
    signals.dispose();
    return code;
  }
  void Promise.all(daemon.domainList.map((d) => d.warmedUp)).then(() => started.own?.afterWarmUp());
  logger.info('started', `reapd running: ${daemon.domainList.length} domain(s); SIGHUP reloads ${config.file}, SIGTERM stops`, {
    domains: daemon.domainList.map((d) => d.name),
  });
  notifier.ready(`guarding ${daemon.domainList.map((d) => d.name).join(', ')}`);
  if (notifier.watchdogIntervalMs !== undefined) logger.info('service-watchdog', `systemd watchdog: WATCHDOG=1 every ${notifier.watchdogIntervalMs} ms`);
  const loopDelay = startLoopDelay();
  const end = await signals.serve(daemon);
  logLoopDelay(loopDelay, logger);
  if (end.fatal !== undefined) logger.error('guard-lost', `reapd can no longer guard memory: ${end.fatal}; stopping with exit code ${EXIT_FAILURE}`, { exitCode: EXIT_FAILURE });
  else logger.info('stopping', `${end.signal}: stopping`, { signal: end.signal });
  notifier.stopping();
  await telling.stop();
  await daemon.stop();
  started.own?.stop();
  const totals = daemon.domainList.map((d) => ({ domain: d.name, ...d.stats }));
  logger.info('stopped', `stopped: ${totals.map((t) => `${t.domain}: ${t.reclaims} reclaims, ${t.kills} kills`).join('; ')}`, { totals });
  notifier.close();
  const code = end.fatal !== undefined ? EXIT_FAILURE : EXIT_OK;
  // Everything is closed; should anything still hold the loop open, do not hang the service manager.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

/**
 * The main loop's real-time priority: below the kill thread's (10) and the watchdog's, above
 * every normal process. The main thread reads /proc and decides; on a thrashing machine at
 * normal priority it queues behind kswapd, the zram compressor and the leak itself. lmkd
 * runs its main loop at SCHED_FIFO 1 for the same reason. Threads created later (libuv's
 * pool) start at normal priority: SCHED_RESET_ON_FORK.
 */
const MAIN_THREAD_RT = { policy: 'fifo', priority: 1 } as const;

/** oom_score_adj, locked code pages, the main loop's priority: one line per step, a warning for each that fell short. */
function protectAndLog(logger: Logger): void {
  const report = protectSelf({ realtimeMainThread: MAIN_THREAD_RT });
  for (const step of report.steps) {
    const level = step.status === 'done' || step.status === 'skipped' ? 'info' : 'warn';
    logger.log(level, 'self-protect', `self-protection ${step.step}: ${step.status} — ${step.message}${step.warning ? ` (${step.warning})` : ''}`, {
      step: step.step, status: step.status, errno: step.errno, ...step.details,
    });
  }
}
