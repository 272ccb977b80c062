// `reapd run`: the real services around the Daemon — the capability probe (logged once),
// self-protection, the kill thread, the journal, the fd poller, the control socket — and
// the signals: SIGHUP reloads, SIGTERM/SIGINT stop cleanly (exit code 0).
import { systemClock } from '../kernel/clock.js';
import { KernelKiller } from '../kernel/kill/index.js';
import { KernelProcessSource } from '../kernel/source.js';
import { FdPoller } from '../kernel/triggers/index.js';
import { FileJournal, formatKillLine } from '../journal/index.js';
import { ControlServer } from '../control/server.js';
import { checkConfigFile, type Config, type ConfigFlags } from '../config/index.js';
import { readPackageVersion } from '../cli/version.js';
import { Daemon, type ControlPort, type DaemonServices } from './daemon.js';
import { NO_JOURNAL, type ClosableJournal } from './journal-switch.js';
import { Logger, type LogOutput } from './logger.js';
import { GroupPidsSource, isUnaccountedGroup } from '../kernel/group-source.js';
import { POLICIES } from '../policy/registry.js';
import { probeAndLog } from './startup.js';
import { protectSelf } from '../kernel/self/protect.js';
import { startWatchdog } from '../watchdog/domain-watchdogs.js';
import { startErrorExitCode } from './start-errors.js';
import { ServiceNotifier } from '../kernel/service-notify.js';

export interface RunOptions {
  config: Config;
  /** The file to re-read on SIGHUP (undefined: the embedded default). */
  configPath: string | undefined;
  flags: ConfigFlags;
  out?: LogOutput;
  /** What the Node-flags re-exec found (node-flags.ts), for the start log. */
  nodeFlags?: string;
}

/** Exit codes (src/cli/exit-codes.ts; the daemon sits below the CLI and does not import it). */
const EXIT_OK = 0;

function openJournal(path: string | null, logger: Logger): ClosableJournal {
  if (path === null) return NO_JOURNAL;
  return new FileJournal(path, {
    onError: (e, r) => logger.error('journal-failed', `kill journal ${path}: ${e.message} (record of pid ${r.pid} not kept)`, { path }),
  });
}

function openControl(logger: Logger, daemon: Daemon, path: string): Promise<ControlPort> {
  const server = new ControlServer({
    path,
    clock: systemClock,
    log: (level, event, message, fields) => logger.log(level, event, message, fields),
    onTarget: (levels) => {
      const applied = daemon.domainList.filter((d) => d.setLevels(levels)).map((d) => d.name);
      logger.info('lmk-target', `LMK_TARGET: ${levels.length} levels applied to ${applied.length > 0 ? applied.join(', ') : 'no domain (none uses lowmemorykiller or lmkd)'}`, { levels });
    },
    onUpdateProps: () => daemon.reload(),
  });
  return server.start().then(() => server);
}

interface Started {
  killer: KernelKiller;
  caps: { psi: boolean };
}

/** Probe, protect, start the kill thread: everything before the domains. */
async function prepare(config: Config, logger: Logger): Promise<Started> {
  const caps = probeAndLog(logger, config);
  if (config.daemon.selfProtect) protectAndLog(logger);
  const k = config.kill;
  const killer = new KernelKiller({
    clock: systemClock, thaw: k.thaw, allCpus: k.allCpus, rtBoost: k.rtBoost, reap: k.reap, reapDelayMs: k.reapDelayMs,
    // The kill thread's own real-time priority is part of self-protection.
    ...(config.daemon.selfProtect ? {} : { threadRtPriority: null }),
  });
  for (const n of await killer.ready()) logger.info('kill-thread', n);
  return { killer, caps };
}

function services(o: RunOptions, logger: Logger, started: Started): DaemonServices {
  return {
    logger,
    clock: systemClock,
    selfPid: process.pid,
    psiAvailable: started.caps.psi,
    killer: started.killer,
    poller: new FdPoller({ log: (level, event, message, fields) => logger.log(level, event, message, fields) }),
    openJournal: (path) => openJournal(path, logger),
    makeSource: (d, kind) => {
      // Pressure events scan incrementally (docs/snapshot-format.md); oom_score is read
      // only for the policy that ranks by it. A policy change builds a new domain and source.
      // Sizes are read lazily for policies that say which sizes a decision used.
      const scan = { scanMode: 'incremental', needOomScore: d.policy === 'oom-score', lazySizes: POLICIES[d.policy].sizesUsed !== undefined } as const;
      if (kind === 'cgroup2' && d.memcg !== null && isUnaccountedGroup(d.memcg)) {
        logger.info('domain-memory', `${d.memcg} has no memory controller: its processes are the candidates, the memory numbers are the machine's`, { domain: d.name });
        return new GroupPidsSource(d.memcg, process.pid, scan);
      }
      return new KernelProcessSource({ ...scan, memcg: d.memcg ?? undefined, selfPid: process.pid });
    },
    formatKill: formatKillLine,
    reloadConfig: () => checkConfigFile(o.configPath, o.flags),
    openControl: (path, daemon) => openControl(logger, daemon, path),
    startWatchdog: (cfg, journal) => startWatchdog(cfg, { logger, journal, formatKill: formatKillLine }),
  };
}

export async function runDaemon(o: RunOptions): Promise<number> {
  const { config } = o;
  const logger = new Logger({ format: config.daemon.logFormat, level: config.daemon.logLevel, ...(o.out ? { out: o.out } : {}) });
  // Signals first: a SIGHUP or SIGTERM during start-up must not kill the process outright.
  const notifier = new ServiceNotifier({ onError: (m) => logger.warn('service-notify-failed', m) });
  const signals = new Signals(logger, notifier);
  logger.info('starting', `reapd ${readPackageVersion()} starting (pid ${process.pid}) on ${config.file}`, { version: readPackageVersion(), pid: process.pid, config: config.file });
  if (o.nodeFlags) logger.info('node-flags', `Node flags: ${o.nodeFlags}`, { execArgv: process.execArgv });
  const daemon = new Daemon(config, services(o, logger, await prepare(config, logger)));
  try {
    await daemon.start();
  } catch (e) {
    const code = startErrorExitCode(e);
    logger.error('start-failed', `cannot start: ${e instanceof Error ? e.message : String(e)}`, { exitCode: code });
    notifier.status(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await daemon.stop();
    signals.dispose();
    return code;
  }
  logger.info('started', `reapd running: ${daemon.domainList.length} domain(s); SIGHUP reloads ${config.file}, SIGTERM stops`, {
    domains: daemon.domainList.map((d) => d.name),
  });
  notifier.ready(`guarding ${daemon.domainList.map((d) => d.name).join(', ')}`);
  if (notifier.watchdogIntervalMs !== undefined) logger.info('service-watchdog', `systemd watchdog: WATCHDOG=1 every ${notifier.watchdogIntervalMs} ms`);
  const signal = await signals.serve(daemon);
  logger.info('stopping', `${signal}: stopping`, { signal });
  notifier.stopping();
  await daemon.stop();
  const totals = daemon.domainList.map((d) => ({ domain: d.name, ...d.stats }));
  logger.info('stopped', `stopped: ${totals.map((t) => `${t.domain}: ${t.reclaims} reclaims, ${t.kills} kills`).join('; ')}`, { totals });
  notifier.close();
  // Everything is closed; should anything still hold the loop open, do not hang the service manager.
  setTimeout(() => process.exit(EXIT_OK), 2000).unref();
  return EXIT_OK;
}

/**
 * SIGHUP reloads (ignored, with a line, while starting or stopping); SIGTERM/SIGINT stop —
 * one that arrives during start-up stops the daemon as soon as it has started. A second
 * stop signal while stopping ends the process at once.
 */
class Signals {
  private daemon: Daemon | undefined;
  private stopSignal: string | undefined;
  private resolveStop: ((signal: string) => void) | undefined;
  private readonly onHup = (): void => {
    if (!this.daemon) {
      this.logger.info('reload', 'SIGHUP ignored: the daemon is starting or stopping');
      return;
    }
    this.logger.info('reload', 'SIGHUP: reloading the configuration');
    // systemd's ExecReload waits for nothing, but RELOADING=1 … READY=1 shows the reload
    // in `systemctl status` and is what Type=notify-reload expects.
    this.notifier.reloading();
    void this.daemon.reload().finally(() => this.notifier.ready('configuration reloaded'));
  };
  private readonly onStop = (signal: NodeJS.Signals): void => {
    if (this.stopSignal !== undefined) process.exit(EXIT_OK);
    this.stopSignal = signal;
    this.resolveStop?.(signal);
  };

  constructor(
    private readonly logger: Logger,
    private readonly notifier: ServiceNotifier,
  ) {
    process.on('SIGHUP', this.onHup);
    process.on('SIGTERM', this.onStop);
    process.on('SIGINT', this.onStop);
  }

  /** Resolves with the stop signal's name; SIGHUP reloads `daemon` meanwhile. */
  serve(daemon: Daemon): Promise<string> {
    this.daemon = daemon;
    return new Promise((resolve) => {
      if (this.stopSignal !== undefined) resolve(this.stopSignal);
      else this.resolveStop = resolve;
    }).then((signal) => {
      this.daemon = undefined;
      return signal as string;
    });
  }

  dispose(): void {
    process.off('SIGHUP', this.onHup);
    process.off('SIGTERM', this.onStop);
    process.off('SIGINT', this.onStop);
  }
}

/** oom_score_adj, locked code pages: one line per step, a warning for each that fell short. */
function protectAndLog(logger: Logger): void {
  const report = protectSelf();
  for (const step of report.steps) {
    const level = step.status === 'done' || step.status === 'skipped' ? 'info' : 'warn';
    logger.log(level, 'self-protect', `self-protection ${step.step}: ${step.status} — ${step.message}${step.warning ? ` (${step.warning})` : ''}`, {
      step: step.step, status: step.status, errno: step.errno, ...step.details,
    });
  }
}
