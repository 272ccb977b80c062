// The daemon: memory domains sharing one kill path, one journal and one fd poller; the
// configuration reload (SIGHUP) and a clean stop (SIGTERM/SIGINT). Everything it touches
// arrives as a service (run.ts builds the real ones), so tests can drive it in-process.
import type { Clock, JournalPort, Killer, ProcessSource } from '../engine/ports.js';
import type { KillRecord } from '../model/kill-record.js';
import type { RegistryEntry } from '../policy/types.js';
import type { FdPoller } from '../kernel/fd-poller.js';
import { formatIssue } from '../config/errors.js';
import type { Config, DomainConfig } from '../config/types.js';
import type { LoadResult } from '../config/load.js';
import { LiveDomain } from './live-domain.js';
import { classifyDomain } from '../kernel/procfs/domain-kind.js';
import type { Logger } from './logger.js';
import type { DomainKind } from '../model/memory-view.js';
import type { KillObserver } from './observer.js';
import { MemoryReporter } from './report.js';

/** The lmkd control socket as the daemon uses it (src/control/server.ts). */
export interface ControlPort {
  registry(): ReadonlyMap<number, RegistryEntry>;
  notifyKill(record: KillRecord): void;
  /** A warning before a kill, to clients that subscribed to it (reapd's event 16). */
  notifyWarning?(w: { headroomKiB: number; next: ReadonlyArray<{ pid: number; uid: number; sizeKiB: number }> }): void;
  close(): Promise<void> | void;
  /** Connected clients (metrics). */
  readonly connectionCount?: number;
}

export interface DaemonServices {
  logger: Logger;
  clock: Clock;
  selfPid: number;
  psiAvailable: boolean;
  killer: Killer & { close?(): Promise<void> };
  poller: FdPoller;
  openJournal(path: string | null): ClosableJournal;
  makeSource(d: DomainConfig, kind: DomainKind): ProcessSource;
  formatKill(record: KillRecord): string;
  /** Re-read the configuration (same file, same flags) for SIGHUP: off the main thread in the daemon. */
  reloadConfig(): LoadResult | Promise<LoadResult>;
  /** Open the control socket when configured (null: none). */
  openControl?(path: string, daemon: Daemon): Promise<ControlPort>;
  classify?(memcg: string | null): DomainKind;
  /** Told of every decision, signal batch and kill after the domain's own work (metrics, hooks). */
  observer?: KillObserver;
  /** The watchdog thread guarding every domain (undefined: none). */
  startWatchdog?(config: Config, journal: JournalPort): Promise<{ stop(): Promise<void> } | undefined>;
  /** Called after each handled event and poll of memory (the own-memory swap check). */
  afterEvent?(): void;
  /** The process's page-fault counters (getrusage). */
  pageFaults?(): { minor: number; major: number };
}

/** Errors a failed reload logs, one line each (check-config caps syntax errors at the same 20). */
const MAX_LOGGED_ISSUES = 20;

/** A journal the daemon can close when a reload replaces it or the daemon stops. */
export interface ClosableJournal extends JournalPort {
  close?(): void | Promise<void>;
  /** Any other record (a warning: daemon/warning.ts), one JSON line like a kill's. */
  appendLine?(record: object): void;
}

/** `journal = ""`: no journal. */
export const NO_JOURNAL: ClosableJournal = { append: () => undefined };

class DaemonStartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'DaemonStartError';
  }
}

export class Daemon {
  private readonly domains = new Map<string, LiveDomain>();
  /** The journal file in use; a reload that changes `journal` replaces it. */
  private journalFile: ClosableJournal;
  /** What every domain and the watchdog append to: whichever journal file is in use. */
  private readonly journal: JournalPort = { append: (r) => this.journalFile.append(r) };
  private control: ControlPort | undefined;
  private watchdog: { stop(): Promise<void> } | undefined;
  /** report_interval's log line (report.ts). */
  private readonly reporter: MemoryReporter;
  private stopping: Promise<void> | undefined;
  private reloading: Promise<boolean> | undefined;
  /** A reload asked for while one runs: run once more after it, on the newest file. */
  private reloadAgain: Promise<boolean> | undefined;

  constructor(
    private config: Config,
    private readonly s: DaemonServices,
  ) {
    this.journalFile = s.openJournal(config.daemon.journal);
    this.reporter = new MemoryReporter({ domains: () => this.domainList, logger: s.logger });
  }

  get currentConfig(): Config {
    return this.config;
  }

  domain(name: string): LiveDomain | undefined {
    return this.domains.get(name);
  }

  /** Connected control-socket clients; undefined without a socket. */
  get controlClients(): number | undefined {
    return this.control?.connectionCount;
  }

  get domainList(): LiveDomain[] {
    return [...this.domains.values()];
  }

  private build(d: DomainConfig): LiveDomain {
    const classify = this.s.classify ?? classifyDomain;
    const kind = classify(d.memcg);
    const deps: ConstructorParameters<typeof LiveDomain>[1] = {
      logger: this.s.logger,
      clock: this.s.clock,
      killer: this.s.killer,
      journal: this.journal,
      poller: this.s.poller,
      selfPid: this.s.selfPid,
      psiAvailable: this.s.psiAvailable,
      kind,
      source: this.s.makeSource(d, kind),
      formatKill: this.s.formatKill,
      registry: () => this.control?.registry() ?? new Map(),
      onKill: (r) => this.control?.notifyKill(r),
      onWarning: (w) => {
        this.journalFile.appendLine?.(w);
        this.control?.notifyWarning?.(w);
        this.s.observer?.warning?.(w);
      },
    };
    if (this.s.observer) deps.observer = this.s.observer;
    if (this.s.afterEvent) deps.afterEvent = this.s.afterEvent;
    if (this.s.pageFaults) deps.pageFaults = this.s.pageFaults;
    return new LiveDomain(d, deps);
  }

  /** Build and arm every domain; on failure, disarm what was armed and throw. */
  async start(): Promise<void> {
    // A daemon that guards nothing must not look like one that guards (issue 11).
    if (this.config.domains.length === 0) throw new DaemonStartError('the configuration has no domain to guard', 3);
    try {
      for (const d of this.config.domains) {
        const domain = this.build(d);
        domain.start();
        this.domains.set(d.name, domain);
      }
      if (this.config.daemon.socket !== null && this.s.openControl) {
        this.control = await this.s.openControl(this.config.daemon.socket, this);
      }
      await this.startWatchdogs();
      this.reporter.set(this.config.daemon.reportIntervalMs);
    } catch (e) {
      await Promise.all([...this.domains.values()].map((d) => d.stop(0)));
      this.domains.clear();
      throw e;
    }
  }

  /**
   * SIGHUP: a bad file keeps the running configuration (every reason logged, at most
   * MAX_LOGGED_ISSUES lines). Requests during a reload coalesce into one more reload.
   */
  reload(): Promise<boolean> {
    if (!this.reloading) {
      this.reloading = this.doReload().finally(() => (this.reloading = undefined));
      return this.reloading;
    }
    this.reloadAgain ??= this.reloading.catch(() => false).then(() => {
      this.reloadAgain = undefined;
      return this.reload();
    });
    return this.reloadAgain;
  }

  private async doReload(): Promise<boolean> {
    const log = this.s.logger;
    const result = await this.s.reloadConfig();
    if (this.stopping) return false;
    if (!result.config) {
      for (const issue of result.issues.slice(0, MAX_LOGGED_ISSUES)) {
        log.warn('config-invalid', `reload: ${formatIssue(issue, result.file)}`, { file: result.file, ...issue });
      }
      if (result.issues.length > MAX_LOGGED_ISSUES) log.warn('config-invalid', `reload: … and ${result.issues.length - MAX_LOGGED_ISSUES} more error(s) (reapd check-config lists them)`);
      log.warn('config-kept', `reload of ${result.file} failed with ${result.issues.length} error(s); the running configuration stays`, { errors: result.issues.length });
      return false;
    }
    try {
      const formatChanged = result.config.daemon.logFormat !== this.config.daemon.logFormat;
      const changes = await this.applyConfig(result.config);
      if (changes.length > 0 || formatChanged) {
        await this.stopWatchdogs();
        await this.startWatchdogs();
      }
      log.info('config-reloaded', `reloaded ${result.file}: ${changes.length > 0 ? changes.join('; ') : 'no changes'}`, { file: result.file, changes });
      return true;
    } catch (e) {
      log.error('config-apply-failed', `reload of ${result.file} could not be applied: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  private async applyConfig(next: Config): Promise<string[]> {
    const changes: string[] = [];
    const prev = this.config;
    // Build new domains first: a bad cgroup path throws here, before anything changed.
    const fresh = new Map<string, LiveDomain>();
    for (const d of next.domains) {
      const existing = this.domains.get(d.name);
      if (!existing || !existing.canApply(d)) fresh.set(d.name, this.build(d));
    }
    const dm = next.daemon;
    this.s.logger.configure(dm.logFormat, dm.logLevel);
    if (dm.journal !== prev.daemon.journal) {
      const old = this.journalFile;
      this.journalFile = this.s.openJournal(dm.journal);
      await old.close?.();
      changes.push(`journal ${dm.journal ?? 'none'}`);
    }
    if (dm.socket !== prev.daemon.socket) changes.push('control socket changes take effect after a restart');
    if (JSON.stringify(dm.metrics) !== JSON.stringify(prev.daemon.metrics)) changes.push('metrics address changes take effect after a restart');
    if (JSON.stringify(next.kill) !== JSON.stringify(prev.kill)) changes.push('[kill] changes take effect after a restart');
    if (JSON.stringify(next.hooks) !== JSON.stringify(prev.hooks)) changes.push('[hooks] changes take effect after a restart');
    if (dm.selfProtect !== prev.daemon.selfProtect) changes.push('self_protect changes take effect after a restart');
    if (dm.reportIntervalMs !== prev.daemon.reportIntervalMs) {
      this.reporter.set(dm.reportIntervalMs);
      changes.push(`report_interval ${dm.reportIntervalMs > 0 ? `${dm.reportIntervalMs} ms` : 'off'}`);
    }
    const wanted = new Set(next.domains.map((d) => d.name));
    for (const [name, domain] of this.domains) {
      if (wanted.has(name) && !fresh.has(name)) continue;
      await domain.stop();
      this.domains.delete(name);
      changes.push(`domain "${name}" ${wanted.has(name) ? 'rebuilt' : 'removed'}`);
    }
    for (const d of next.domains) {
      const domain = fresh.get(d.name);
      if (!domain) {
        const c = await this.domains.get(d.name)?.apply(d);
        if (c && c.length > 0) changes.push(`domain "${d.name}": ${c.join(', ')}`);
        continue;
      }
      try {
        domain.start();
        this.domains.set(d.name, domain);
        if (!changes.includes(`domain "${d.name}" rebuilt`)) changes.push(`domain "${d.name}" added`);
      } catch (e) {
        this.s.logger.error('domain-start-failed', `domain "${d.name}" could not start: ${e instanceof Error ? e.message : String(e)}`, { domain: d.name });
      }
    }
    this.config = next;
    return changes;
  }

  /** Stop every trigger, let running reclaims finish (bounded), close the kill path and the journal. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** The watchdog is a safety net: one that cannot start is logged, never fatal. */
  private async startWatchdogs(): Promise<void> {
    if (!this.s.startWatchdog) return;
    try {
      this.watchdog = await this.s.startWatchdog(this.config, this.journal);
    } catch (e) {
      this.s.logger.error('watchdog-failed', `the watchdog thread could not start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async stopWatchdogs(): Promise<void> {
    const dog = this.watchdog;
    this.watchdog = undefined;
    await dog?.stop();
  }

  private async doStop(): Promise<void> {
    await this.reloading?.catch(() => undefined);
    this.reporter.stop();
    await this.stopWatchdogs();
    await Promise.all([...this.domains.values()].map((d) => d.stop()));
    await this.control?.close();
    await this.s.killer.close?.();
    await this.journalFile.close?.();
    await this.s.poller.stop();
  }
}
