// Who else hears about decisions and kills besides the log: metrics, hooks, later D-Bus.
// The domain's event sink (events.ts) calls one KillObserver after the engine has done
// its own work, so an observer never stands between a decision and its SIGKILL:
// `decision` and `kill` run where the log line is written (the kill line is written after
// the victims exited or the reclaim timed out), `signalled` when the kill thread reports
// the signals sent (the engine tells its sink, before the wait for the exits). An
// observer that throws is logged once and the kill path goes on; fanOut() is that guard.
import type { KillResult, TriggerEvent } from '../engine/ports.js';
import type { Decision } from '../model/decision.js';
import type { KillRecord } from '../model/kill-record.js';
import type { Log } from './logger.js';
import type { WarningRecord } from './warning.js';

export interface KillObserver {
  /** A policy decided (victims or nobody), before any kill. Keep it cheap. */
  decision?(domain: string, d: Decision, trigger: TriggerEvent, scanMs: number | undefined): void;
  /** The kill thread reported: SIGKILL sent (or not) to each victim; reaping done. */
  signalled?(domain: string, results: readonly KillResult[], dryRun: boolean): void;
  /** One victim's record, after the reclaim's wait for exits. */
  kill?(domain: string, record: KillRecord, eventToSignalMs: number | undefined): void;
  /** The warning stage spoke (warning.ts): memory is close to the kill level. */
  warning?(w: WarningRecord): void;
  /** The warning stage's reading of the domain: "ok" (above warn_headroom) or "warning". */
  level?(domain: string, level: 'ok' | 'warning'): void;
  /**
   * The watchdog thread acted while the main loop was stalled (watchdog/domain-watchdogs.ts),
   * told once the loop runs again; each of its records also goes to kill() just before.
   */
  watchdog?(domain: string, records: readonly KillRecord[], silentMs: number): void;
}

/** One observer standing for many; each call guarded, a failing observer logged once. */
export function fanOut(observers: readonly KillObserver[], log: Log): KillObserver {
  const failed = new Set<KillObserver>();
  const each = (call: (o: KillObserver) => void): void => {
    for (const o of observers) {
      try {
        call(o);
      } catch (e) {
        if (failed.has(o)) continue;
        failed.add(o);
        log.error('observer-failed', `a kill observer failed (further failures of it are not logged): ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  return {
    decision: (domain, d, trigger, scanMs) => each((o) => o.decision?.(domain, d, trigger, scanMs)),
    signalled: (domain, results, dryRun) => each((o) => o.signalled?.(domain, results, dryRun)),
    kill: (domain, record, ms) => each((o) => o.kill?.(domain, record, ms)),
    warning: (w) => each((o) => o.warning?.(w)),
    level: (domain, level) => each((o) => o.level?.(domain, level)),
    watchdog: (domain, records, silentMs) => each((o) => o.watchdog?.(domain, records, silentMs)),
  };
}
