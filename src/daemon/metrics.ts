// Prometheus metrics (prom-client), one registry per daemon. Counters and histograms move
// as the KillObserver hears decisions and kills (after their log lines, never before a
// SIGKILL); gauges and the per-domain totals are read when /metrics is scraped, from the
// domains themselves (their stats, memory now, PSI file). docs/notifications.md lists
// every metric; contrib/grafana/reapd.json charts them.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MemoryView } from '../model/memory-view.js';
import type { KillObserver } from './observer.js';

/** What the metrics read from one domain at scrape time (daemon/domain.ts has it all). */
interface MetricsDomain {
  name: string;
  config: { policy: string };
  stats: { events: number; reclaims: number; absorbed: number; decisions: number; kills: number };
  memoryNow(): Promise<{ view: MemoryView; headroomKiB: number }>;
  pressurePath: string | null;
}

interface MetricsSources {
  domains(): readonly MetricsDomain[];
  /** Connected lmkd control-socket clients; undefined: no socket. */
  controlClients(): number | undefined;
  /** PSI of a pressure file, percent and µs (readPressure); throws when unreadable. */
  readPressure(path: string): Promise<{ some: { avg10: number; totalUs: number }; full?: { avg10: number; totalUs: number } }>;
  version: string;
}

// Buckets in seconds. event -> SIGKILL is a few ms on a warm daemon (docs/performance.md);
// SIGKILL -> exit is ms for a small victim and up to the reclaim timeout for a large one.
const SIGNAL_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];
const EXIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SCAN_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5];
const KIB = 1024;

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly kills: Counter<'domain' | 'policy' | 'reason' | 'outcome'>;
  private readonly eventToSignal: Histogram<'domain'>;
  private readonly signalToExit: Histogram<'domain'>;
  private readonly exitTimeouts: Counter<'domain'>;
  private readonly reaps: Counter<'domain' | 'result'>;
  private readonly reapSeconds: Histogram<'domain'>;
  private readonly decisions: Counter<'domain' | 'policy' | 'outcome'>;
  private readonly scanSeconds: Histogram<'domain'>;
  private readonly journalFailures: Counter;
  private readonly watchdogActions: Counter<'domain'>;
  /** Other parts (hooks, warnings) register their metrics here. */
  readonly extra: { warnings: Counter<'domain'>; hookRuns: Counter<'hook' | 'result'> };

  constructor(private readonly sources: MetricsSources) {
    const r = [this.registry];
    this.kills = new Counter({ name: 'reapd_kills_total', help: 'Victims reapd acted on, by domain, policy, reason and outcome (killed, failed, dry_run).', labelNames: ['domain', 'policy', 'reason', 'outcome'], registers: r });
    this.eventToSignal = new Histogram({ name: 'reapd_kill_event_to_signal_seconds', help: 'From the trigger event to SIGKILL sent, per victim.', labelNames: ['domain'], buckets: SIGNAL_BUCKETS, registers: r });
    this.signalToExit = new Histogram({ name: 'reapd_kill_signal_to_exit_seconds', help: 'From SIGKILL to the victim gone and its memory freed (exit observed on its pidfd).', labelNames: ['domain'], buckets: EXIT_BUCKETS, registers: r });
    this.exitTimeouts = new Counter({ name: 'reapd_kill_exit_timeouts_total', help: 'Victims still alive when the reclaim timeout ended the wait.', labelNames: ['domain'], registers: r });
    this.reaps = new Counter({ name: 'reapd_reaps_total', help: 'process_mrelease results for killed victims (reaped, not_reaped).', labelNames: ['domain', 'result'], registers: r });
    this.reapSeconds = new Histogram({ name: 'reapd_reap_seconds', help: 'Time process_mrelease took.', labelNames: ['domain'], buckets: SIGNAL_BUCKETS, registers: r });
    this.decisions = new Counter({ name: 'reapd_decisions_total', help: 'Policy decisions, by outcome (victims, nobody).', labelNames: ['domain', 'policy', 'outcome'], registers: r });
    this.scanSeconds = new Histogram({ name: 'reapd_scan_seconds', help: 'Time of the process scan behind each decision.', labelNames: ['domain'], buckets: SCAN_BUCKETS, registers: r });
    this.watchdogActions = new Counter({ name: 'reapd_watchdog_actions_total', help: 'Times the watchdog thread killed while the main loop was stalled (its kills are in reapd_kills_total too).', labelNames: ['domain'], registers: r });
    this.journalFailures = new Counter({ name: 'reapd_journal_failures_total', help: 'Kill records the journal could not write.', registers: r });
    this.extra = {
      warnings: new Counter({ name: 'reapd_warnings_total', help: 'Warnings before a kill (the warning stage).', labelNames: ['domain'], registers: r }),
      hookRuns: new Counter({ name: 'reapd_hook_runs_total', help: 'Hook runs by hook and result (ok, failed, timeout, skipped).', labelNames: ['hook', 'result'], registers: r }),
    };
    this.scrapeTime(r);
  }

  /** Metrics read from the domains when scraped. */
  private scrapeTime(r: Registry[]): void {
    const s = this.sources;
    const perDomain = (name: string, help: string, value: (d: MetricsDomain) => number): Counter<'domain'> =>
      new Counter({ name, help, labelNames: ['domain'], registers: r, collect() {
        this.reset();
        for (const d of s.domains()) this.inc({ domain: d.name }, value(d));
      } });
    perDomain('reapd_trigger_events_total', 'Trigger events (PSI, memcg eventfds, threshold poller) that reached the domain.', (d) => d.stats.events);
    perDomain('reapd_reclaims_total', 'Reclaims run (one scan and decision each).', (d) => d.stats.reclaims);
    perDomain('reapd_absorbed_events_total', 'Trigger events absorbed by a reclaim already running.', (d) => d.stats.absorbed);
    new Gauge({ name: 'reapd_control_clients', help: 'Connected lmkd control-socket clients (0 without a socket).', registers: r, collect() {
      const n = s.controlClients();
      if (n === undefined) this.reset();
      else this.set(n);
    } });
    new Gauge({ name: 'reapd_info', help: 'Always 1; the version as a label.', labelNames: ['version'], registers: r }).set({ version: s.version }, 1);
    this.memoryGauges(r);
  }

  private memoryGauges(r: Registry[]): void {
    const s = this.sources;
    const headroom = new Gauge({ name: 'reapd_headroom_bytes', help: "Distance to the policy's kill level (negative: below it).", labelNames: ['domain'], registers: r });
    const available = new Gauge({ name: 'reapd_memory_available_bytes', help: 'Memory available to the domain (a memcg: limit - usage, at most the machine\'s MemAvailable).', labelNames: ['domain'], registers: r });
    const pressure = new Gauge({ name: 'reapd_memory_pressure_avg10_percent', help: 'Memory PSI avg10 of the domain (some, full).', labelNames: ['domain', 'kind'], registers: r });
    const stall = new Counter({ name: 'reapd_memory_pressure_stall_seconds_total', help: 'Memory PSI total stall time of the domain (some, full).', labelNames: ['domain', 'kind'], registers: r });
    // One read of every domain per scrape serves all four: the registry collects its
    // metrics concurrently, so each collect awaits the same pending sample.
    let pending: Promise<void> | undefined;
    const sample = async (): Promise<void> => {
      for (const m of [headroom, available, pressure]) m.reset();
      stall.reset();
      await Promise.all(s.domains().map(async (d) => {
        const now = await d.memoryNow().catch(() => undefined);
        if (now) {
          headroom.set({ domain: d.name }, now.headroomKiB * KIB);
          const cg = now.view.cgroup;
          const availKiB = cg && cg.limitKiB !== null ? Math.min(cg.limitKiB - cg.usageKiB, now.view.memory.availableKiB) : now.view.memory.availableKiB;
          available.set({ domain: d.name }, availKiB * KIB);
        }
        const p = d.pressurePath === null ? undefined : await s.readPressure(d.pressurePath).catch(() => undefined);
        for (const kind of ['some', 'full'] as const) {
          const line = p?.[kind];
          if (!line) continue;
          pressure.set({ domain: d.name, kind }, line.avg10);
          stall.inc({ domain: d.name, kind }, line.totalUs / 1e6);
        }
      }));
    };
    const collect = (): Promise<void> => (pending ??= sample().finally(() => (pending = undefined)));
    for (const m of [headroom, available, pressure, stall] as Array<{ collect?: unknown }>) m.collect = collect;
  }

  journalFailed(): void {
    this.journalFailures.inc();
  }

  /** The observer the domains call (observer.ts). */
  readonly observer: KillObserver = {
    decision: (domain, d, _trigger, scanMs) => {
      this.decisions.inc({ domain, policy: d.policy, outcome: d.victims.length > 0 ? 'victims' : 'nobody' });
      if (scanMs !== undefined) this.scanSeconds.observe({ domain }, scanMs / 1000);
    },
    warning: (w) => this.extra.warnings.inc({ domain: w.domain }),
    watchdog: (domain) => this.watchdogActions.inc({ domain }),
    kill: (domain, k, eventToSignalMs) => {
      const outcome = k.dryRun ? 'dry_run' : k.killed === false ? 'failed' : 'killed';
      this.kills.inc({ domain, policy: k.policy, reason: k.reason, outcome });
      if (outcome !== 'killed') return;
      if (eventToSignalMs !== undefined) this.eventToSignal.observe({ domain }, eventToSignalMs / 1000);
      if (k.exitMs === null) this.exitTimeouts.inc({ domain });
      else this.signalToExit.observe({ domain }, k.exitMs / 1000);
      this.reaps.inc({ domain, result: k.reaped ? 'reaped' : 'not_reaped' });
      if (k.reapMs !== null) this.reapSeconds.observe({ domain }, k.reapMs / 1000);
    },
  };
}
