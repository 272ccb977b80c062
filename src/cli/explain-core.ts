// `reapd explain` without the I/O: decide one or more snapshots as the daemon's domain
// decides them (src/engine/domain.ts: the rules with min_adj among them, the scope stage),
// carrying the policy state from frame to frame, and collect everything the human and
// JSON forms show.
import type { Decision, PolicyName } from '../model/decision.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Level } from '../policy/table.js';
import type { Policy, ProtectionRules, TriggerReport } from '../policy/types.js';
import type { ScopeSettings } from '../policy/scope/settings.js';
import { DomainDecisions } from '../engine/domain.js';

/**
 * Frames without timeMs are an hour apart on the policy clock, so a hold-off (death
 * pending, kill timeout) from one never reaches into the next: with no times there is no
 * way to tell, and an explanation should not invent a hold-off.
 */
export const UNTIMED_FRAME_GAP_MS = 3_600_000;

export interface ExplainSetup {
  policy: Policy<unknown, unknown>;
  params: unknown;
  rules: ProtectionRules;
  /** The explaining process (live) — never a victim; undefined for saved snapshots. */
  selfPid?: number;
  /** A levels table the user wrote in old-style oom_adj, before conversion. */
  legacyLevels?: Level[];
  /** Where the snapshots came from: a file path or "live". */
  source: string;
  /** Policy clock for a frame without timeMs (live: the monotonic clock). */
  untimedNowMs?: number;
  /** A configured min_adj: a protection rule, as in the daemon's domain (processes below
   * it are skipped, reason min-adj, and counted apart in report.minAdj). */
  minAdj?: number;
  /** The scope stage, as the daemon runs it (growth is measured from frame to frame). */
  scopes?: ScopeSettings;
}

export interface FrameReport {
  /** 0-based position in the input. */
  frame: number;
  frames: number;
  source: string;
  policy: PolicyName;
  paramsText: string;
  params: unknown;
  legacyLevels?: Level[];
  /** The snapshot the policy saw. */
  snapshot: Snapshot;
  /** min_adj and how many processes sit below it (never candidates). */
  minAdj?: { adj: number; leftOut: number };
  /** The clock the policy saw. */
  nowMs: number;
  trigger?: TriggerReport;
  decision: Decision;
}

function belowMinAdj(snapshot: Snapshot, minAdj: number): number {
  let n = 0;
  for (const p of snapshot.processes) if (p.oomScoreAdj < minAdj) n++;
  return n;
}

/** Decide every frame in order; each frame starts from the previous frame's state. */
export function explainFrames(snapshots: readonly Snapshot[], setup: ExplainSetup): FrameReport[] {
  const { policy, params } = setup;
  const settings = { policy: policy.name, params, rules: setup.rules, minAdj: setup.minAdj ?? null, ...(setup.scopes ? { scopes: setup.scopes } : {}) };
  const domain = new DomainDecisions(settings, setup.selfPid);
  let lastNowMs: number | undefined;
  return snapshots.map((snapshot, frame) => {
    const nowMs =
      snapshot.timeMs ??
      (lastNowMs === undefined ? (setup.untimedNowMs ?? 0) : lastNowMs + UNTIMED_FRAME_GAP_MS);
    lastNowMs = nowMs;
    const decision = domain.decide(snapshot, nowMs);
    const report: FrameReport = {
      frame,
      frames: snapshots.length,
      source: setup.source,
      policy: policy.name,
      paramsText: policy.describeParams(params),
      params,
      snapshot,
      nowMs,
      decision,
    };
    const trigger = policy.explainTrigger?.(snapshot, params);
    if (trigger) report.trigger = trigger;
    if (setup.legacyLevels) report.legacyLevels = setup.legacyLevels;
    if (setup.minAdj !== undefined) {
      report.minAdj = { adj: setup.minAdj, leftOut: belowMinAdj(snapshot, setup.minAdj) };
    }
    return report;
  });
}
