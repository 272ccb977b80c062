// Who the daemon tells, beyond its log and journal: Prometheus metrics ([daemon] metrics),
// hooks ([hooks], hooks.ts), D-Bus ([daemon] dbus, dbus/). Built before the daemon (the journal reports its failures here) and
// started once the daemon runs; every part hears the domains through one KillObserver.
import type { Config } from '../config/types.js';
import { readPressure } from '../kernel/triggers/pressure-file.js';
import { readPackageVersion } from '../version.js';
import type { Daemon } from './daemon.js';
import type { Logger } from './logger.js';
import { DaemonMetrics } from './metrics.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { fanOut, type KillObserver } from './observer.js';
import { HookRunner } from './hooks.js';
import { DbusService } from './dbus/service.js';
import { daemonStatus, type DaemonStatus } from './status.js';
import { systemClock } from '../kernel/clock.js';
import type { KillRecord } from '../model/kill-record.js';

/** Kills kept for status (D-Bus GetStatus, `reapd status`). */
const LAST_KILLS = 10;

export class Telling {
  private readonly metrics: DaemonMetrics | undefined;
  private server: MetricsServer | undefined;
  private daemon: Daemon | undefined;
  readonly hooks: HookRunner | undefined;
  private readonly dbus: DbusService | undefined;
  private readonly lastKills: KillRecord[] = [];
  readonly observer: KillObserver;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    const observers: KillObserver[] = [];
    if (config.daemon.metrics !== null) {
      this.metrics = new DaemonMetrics({
        domains: () => this.daemon?.domainList ?? [],
        controlClients: () => this.daemon?.controlClients,
        readPressure,
        version: readPackageVersion(),
      });
      observers.push(this.metrics.observer);
    }
    const h = config.hooks;
    if (h.preKill !== null || h.postKill !== null || h.warn !== null) {
      this.hooks = new HookRunner({ settings: h, log: logger, onResult: (hook, result) => this.metrics?.extra.hookRuns.inc({ hook, result }) });
      observers.push(this.hooks.observer);
      const names = [h.preKill && `pre_kill ${h.preKill}`, h.postKill && `post_kill ${h.postKill}`, h.warn && `warn ${h.warn}`].filter(Boolean);
      logger.info('hooks', `hooks: ${names.join(', ')} (time limit ${h.timeoutMs} ms, at most ${h.maxRunning} at once)`, { ...h });
    }
    if (config.daemon.dbus !== null) {
      this.dbus = new DbusService({ address: config.daemon.dbus, log: logger, nowMs: systemClock.nowMs, status: () => this.status() });
      observers.push(this.dbus.observer);
    }
    observers.push({ kill: (_d, k) => void (this.lastKills.push(k) > LAST_KILLS && this.lastKills.shift()) });
    this.observer = fanOut(observers, logger);
  }

  status(): Promise<DaemonStatus> {
    return daemonStatus(this.daemon?.domainList ?? [], this.lastKills, readPackageVersion(), process.pid);
  }

  journalFailed(): void {
    this.metrics?.journalFailed();
  }

  /** Serve what needs the running daemon. Throws when the metrics address cannot be bound. */
  async start(daemon: Daemon): Promise<void> {
    this.daemon = daemon;
    const at = this.config.daemon.metrics;
    if (this.metrics && at !== null) this.server = await serveMetrics(at, this.metrics.registry, this.logger);
    // Never waited for: a slow or absent bus must not hold the start.
    void this.dbus?.connect();
  }

  async stop(): Promise<void> {
    this.hooks?.stop();
    this.dbus?.close();
    await this.server?.close();
    this.server = undefined;
  }
}
