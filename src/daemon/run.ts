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
import { GroupPidsSource, isUnaccountedGroup } from './group-source.js';
import { probeAndLog } from './startup.js';
import { protectSelf } from './self-protect.js';
import { startWatchdog } from './watchdog-glue.js';
import { startErrorExitCode } from './start-errors.js';

export interface RunOptions {
  config: Config;
  /** The file to re-read on SIGHUP (undefined: the embedded default). */
  configPath: string | undefined;
  flags: ConfigFlags;
  out?: LogOutput;
  /** What the Node-flags re-exec found (self-protect-flags.ts), for the start log. */
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

export async function runDaemon(o: RunOptions): Promise<number> {
  const { config } = o;
  const logger = new Logger({ format: config.daemon.logFormat, level: config.daemon.logLevel, ...(o.out ? { out: o.out } : {}) });
  logger.info('starting', `reapd ${readPackageVersion()} starting (pid ${process.pid}) on ${config.file}`, { version: readPackageVersion(), pid: process.pid, config: config.file });
  if (o.nodeFlags) logger.info('node-flags', `Node flags: ${o.nodeFlags}`, { execArgv: process.execArgv });
  const caps = probeAndLog(logger, config);
  if (config.daemon.selfProtect) protectAndLog(logger);
  const k = config.kill;
  const killer = new KernelKiller({
    clock: systemClock, thaw: k.thaw, allCpus: k.allCpus, rtBoost: k.rtBoost, reap: k.reap, reapDelayMs: k.reapDelayMs,
    // The kill thread's own real-time priority is part of self-protection.
    ...(config.daemon.selfProtect ? {} : { threadRtPriority: null }),
  });
  const notes = await killer.ready();
  for (const n of notes) logger.info('kill-thread', n);
  const poller = new FdPoller({ log: (level, event, message, fields) => logger.log(level, event, message, fields) });
  const services: DaemonServices = {
    logger,
    clock: systemClock,
    selfPid: process.pid,
    psiAvailable: caps.psi,
    killer,
    poller,
    openJournal: (path) => openJournal(path, logger),
    makeSource: (d, kind) => {
      if (kind === 'cgroup2' && d.memcg !== null && isUnaccountedGroup(d.memcg)) {
        logger.info('domain-memory', `${d.memcg} has no memory controller: its processes are the candidates, the memory numbers are the machine's`, { domain: d.name });
        return new GroupPidsSource(d.memcg, process.pid);
      }
      return new KernelProcessSource({ memcg: d.memcg ?? undefined, selfPid: process.pid });
    },
    formatKill: formatKillLine,
    reloadConfig: () => checkConfigFile(o.configPath, o.flags),
    openControl: (path, daemon) => openControl(logger, daemon, path),
    startWatchdog: (cfg, journal) => startWatchdog(cfg, { logger, journal, formatKill: formatKillLine }),
  };
  const daemon = new Daemon(config, services);
  try {
    await daemon.start();
  } catch (e) {
    const code = startErrorExitCode(e);
    logger.error('start-failed', `cannot start: ${e instanceof Error ? e.message : String(e)}`, { exitCode: code });
    await daemon.stop();
    return code;
  }
  logger.info('started', `reapd running: ${daemon.domainList.length} domain(s); SIGHUP reloads ${config.file}, SIGTERM stops`, {
    domains: daemon.domainList.map((d) => d.name),
  });
  const signal = await waitForStop(daemon, logger);
  logger.info('stopping', `${signal}: stopping`, { signal });
  await daemon.stop();
  const totals = daemon.domainList.map((d) => ({ domain: d.name, ...d.stats }));
  logger.info('stopped', `stopped: ${totals.map((t) => `${t.domain}: ${t.reclaims} reclaims, ${t.kills} kills`).join('; ')}`, { totals });
  // Everything is closed; should anything still hold the loop open, do not hang the service manager.
  setTimeout(() => process.exit(EXIT_OK), 2000).unref();
  return EXIT_OK;
}

/** Resolves with the name of the signal that asked to stop; SIGHUP reloads meanwhile. */
function waitForStop(daemon: Daemon, logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    const onHup = (): void => {
      logger.info('reload', 'SIGHUP: reloading the configuration');
      void daemon.reload();
    };
    const onStop = (signal: NodeJS.Signals): void => {
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      // A second signal while stopping ends the process at once.
      process.once('SIGTERM', () => process.exit(EXIT_OK));
      process.once('SIGINT', () => process.exit(EXIT_OK));
      resolve(signal);
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
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
