// The engine's EventSink for one domain: turns decisions and kills into log lines (one per
// decision, one per kill), and passes kills on (the control socket's subscribers).
// Decisions that choose nobody repeat while memory stays low (a threshold poller asks
// every 100 ms): the first is logged at info, identical repeats at debug.
import { PSI_POLL, type EventSink, type KillResult, type TriggerEvent } from '../engine/ports.js';
import type { LogLevel } from '../model/log-level.js';
import type { Decision } from '../model/decision.js';
import type { KillRecord } from '../model/kill-record.js';
import type { Log } from './logger.js';
import type { KillObserver } from './observer.js';

interface DomainEventsOptions {
  log: Log;
  /** One human line for a kill (the journal's formatKillLine). */
  formatKill(record: KillRecord): string;
  /** Every kill record, after it is logged (e.g. ControlServer.notifyKill). */
  onKill?(record: KillRecord): void;
  /** Told of every decision and kill after its log line (metrics, hooks; observer.ts). */
  observer?: KillObserver;
  /** Pages the whole process faulted in from the trigger to the signal (undefined: not measured). */
  eventFaults?(): { minor: number; major: number } | undefined;
  /** Once the signals have left and the observer heard of them (the end of the trigger -> SIGKILL window). */
  afterSignals?(): void;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export class DomainEvents implements EventSink {
  private lastTrigger: TriggerEvent | undefined;
  private lastEmpty: string | undefined;
  private killCount = 0;
  private decisionCount = 0;

  constructor(private readonly o: DomainEventsOptions) {}

  get kills(): number {
    return this.killCount;
  }

  get decisions(): number {
    return this.decisionCount;
  }

  log(level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): void {
    this.o.log.log(level, event, message, fields);
  }

  decision(domain: string, d: Decision, trigger: TriggerEvent, scanMs?: number): void {
    this.decisionCount++;
    this.lastTrigger = trigger;
    const empty = d.victims.length === 0;
    // lmkd's polls after a PSI event (ten a second) log their empty decisions at debug.
    const poll = trigger.level === PSI_POLL;
    const level: LogLevel = empty && (poll || this.lastEmpty === d.summary) ? 'debug' : 'info';
    if (!poll) this.lastEmpty = empty ? d.summary : undefined;
    const victims = d.victims.map((v) => ({ pid: v.pid, name: v.name, oomScoreAdj: v.oomScoreAdj, sizeKiB: v.sizeKiB, reason: v.reason, scope: v.scope }));
    const who = empty ? 'nobody' : d.victims.map((v) => `${v.name}(${v.pid})`).join(', ');
    this.o.log.log(level, 'decision', `${d.policy} on ${trigger.source} ${trigger.level}: ${who} — ${d.summary}`, {
      policy: d.policy,
      reason: d.reason,
      trigger: { source: trigger.source, level: trigger.level, atMs: round(trigger.atMs), detail: trigger.detail },
      victims,
      candidates: d.candidateCount ?? d.candidates.length,
      skipped: d.skipped.length,
      targetKiB: d.targetKiB,
      ...(d.scopes ? { scope: d.scopes.chosen, scopeKiB: d.scopes.chosenKiB, scopeWhy: d.scopes.why, killUnit: d.scopes.killUnit, scopes: d.scopes.ranking.slice(0, 5).map((r) => ({ path: r.path, tier: r.tier, sizeKiB: r.sizeKiB, growthKiB: r.growthKiB })) } : {}),
      scanMs: scanMs === undefined ? undefined : round(scanMs),
    });
    this.o.observer?.decision?.(domain, d, trigger, scanMs);
  }

  /** The kill thread reported the batch: the observer hears it before the wait for the exits (a pre_kill hook starts beside the kill, never before it). */
  signalled(domain: string, results: readonly KillResult[], dryRun: boolean): void {
    this.o.observer?.signalled?.(domain, results, dryRun);
    this.o.afterSignals?.();
  }

  /** signalAtMs: when SIGKILL left, on the daemon's clock, so the line carries event -> SIGKILL. */
  kill(record: KillRecord, signalAtMs: number | null = null): void {
    this.killCount++;
    const triggerAtMs = this.lastTrigger?.atMs;
    const fields: Record<string, unknown> = { ...record };
    if (triggerAtMs !== undefined) fields.triggerAtMs = round(triggerAtMs);
    if (signalAtMs !== null) fields.signalAtMs = round(signalAtMs);
    if (triggerAtMs !== undefined && signalAtMs !== null) fields.eventToSignalMs = round(signalAtMs - triggerAtMs);
    // Pages first touched (or read back) on the way to the signal: the warm-up should have
    // touched them all, so a thrashing machine does not have to find free pages for reapd.
    const faults = this.o.eventFaults?.();
    if (faults) {
      fields.eventMinorFaults = faults.minor;
      fields.eventMajorFaults = faults.major;
    }
    const level: LogLevel = record.error !== undefined && !record.dryRun ? 'warn' : 'info';
    this.o.log.log(level, 'kill', this.o.formatKill(record), fields);
    this.o.onKill?.(record);
    this.o.observer?.kill?.(record.domain ?? '', record, fields.eventToSignalMs as number | undefined);
  }
}
