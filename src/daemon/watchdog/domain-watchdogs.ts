// One watchdog thread per domain (watchdog.ts, the triggers developer's): configured from
// the domain, restarted when a reload changes it, and what it did while the main loop was
// stalled is journalled, logged and told (metrics, post_kill hooks, D-Bus: the daemon's
// KillObserver) here once the main loop runs again.
import type { JournalPort } from '../../engine/ports.js';
import { killRecordFrom } from '../../engine/record.js';
import type { KillRecord } from '../../model/kill-record.js';
import type { Config, DomainConfig } from '../../config/types.js';
import type { Logger } from '../logger.js';
import type { KillObserver } from '../observer.js';
import { Watchdog, type WatchdogAction, type WatchdogDomainOptions } from './watchdog.js';

interface WatchdogHandle {
  stop(): Promise<void>;
}

/** Kill records for what the watchdog did (the engine's record, from its results). */
function watchdogRecords(action: WatchdogAction, domain: string): KillRecord[] {
  return action.results.map((r, i) =>
    killRecordFrom(r, action.exitMs[i] ?? null, {
      policy: action.policy,
      wallMs: action.wallMs,
      dryRun: action.dryRun,
      domain,
      why: `watchdog (main loop silent ${Math.round(action.silentMs)} ms, ${action.memory}): ${r.victim.why}`,
    }),
  );
}

interface WatchdogGlueDeps {
  logger: Logger;
  journal: JournalPort;
  formatKill(record: KillRecord): string;
  /** Hears each kill record (no event -> SIGKILL time: the watchdog's trigger is its own) and the action. */
  observer?: KillObserver;
}

/**
 * One watchdog thread for every domain (each thread is its own V8 isolate, ~13 MB), or
 * undefined when watchdog_timeout is 0.
 */
export async function startWatchdog(config: Config, deps: WatchdogGlueDeps): Promise<WatchdogHandle | undefined> {
  const stallMs = config.daemon.watchdogMs;
  if (stallMs <= 0 || config.domains.length === 0) return undefined;
  const k = config.kill;
  const domains: WatchdogDomainOptions[] = config.domains.map((d: DomainConfig) => ({
    name: d.name,
    ...(d.memcg !== null ? { memcg: d.memcg } : {}),
    policy: d.policy,
    params: d.params,
    rules: d.rules,
    minOomScoreAdj: d.minAdj,
    dryRun: d.dryRun,
  }));
  const dog = await Watchdog.startDomains(domains, {
    stallMs,
    selfPid: process.pid,
    killer: { thaw: k.thaw, allCpus: k.allCpus, rtBoost: k.rtBoost, reap: k.reap, reapDelayMs: k.reapDelayMs },
    ...(config.daemon.selfProtect ? {} : { realtime: false as const }),
    logFormat: config.daemon.logFormat,
    log: (level, event, message, fields) => deps.logger.log(level, event, message, fields),
    onAction: (action) => {
      const log = deps.logger.forDomain(action.domain);
      const records = watchdogRecords(action, action.domain);
      for (const record of records) {
        deps.journal.append(record);
        log.warn('kill', `watchdog: ${deps.formatKill(record)}`, { ...record, source: 'watchdog' });
        deps.observer?.kill?.(action.domain, record, undefined);
      }
      deps.observer?.watchdog?.(action.domain, records, action.silentMs);
    },
  });
  deps.logger.info('watchdog-started',
    `watchdog thread armed for ${domains.length} domain(s) (${dog.sources.join(', ') || 'adaptive poll'}); ` +
      `it acts if the main loop is silent ${stallMs} ms under critical memory`,
    { sources: dog.sources, notes: dog.notes });
  return dog;
}
