// `reapd explain` without the I/O: run a policy over one or more snapshots, carrying its
// state from frame to frame, and collect everything the human and JSON forms show.
import type { Decision, PolicyName } from '../model/decision.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Level } from '../policy/table.js';
import type { Policy, PolicyContext, ProtectionRules, TriggerReport } from '../policy/types.js';
import { decideWithScopes } from '../policy/scope/decide.js';
import { EMPTY_HISTORY } from '../policy/scope/history.js';
import type { ScopeSettings } from '../policy/scope/settings.js';

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
  /** A configured min_adj: processes below it are left out before the policy runs and
   * counted apart (report.minAdj); the daemon's domain skips them as the same rule. */
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
  /** The snapshot the policy saw (after min_adj). */
  snapshot: Snapshot;
  /** min_adj and how many processes it left out. */
  minAdj?: { adj: number; leftOut: number };
  /** The clock the policy saw. */
  nowMs: number;
  trigger?: TriggerReport;
  decision: Decision;
}

function withMinAdj(snapshot: Snapshot, minAdj: number | undefined): Snapshot {
  if (minAdj === undefined) return snapshot;
  return { ...snapshot, processes: snapshot.processes.filter((p) => p.oomScoreAdj >= minAdj) };
}

/** Decide every frame in order; each frame starts from the previous frame's state. */
export function explainFrames(snapshots: readonly Snapshot[], setup: ExplainSetup): FrameReport[] {
  const { policy, params } = setup;
  let state = policy.initialState();
  let history = EMPTY_HISTORY;
  let lastNowMs: number | undefined;
  return snapshots.map((input, frame) => {
    const snapshot = withMinAdj(input, setup.minAdj);
    const nowMs =
      snapshot.timeMs ??
      (lastNowMs === undefined ? (setup.untimedNowMs ?? 0) : lastNowMs + UNTIMED_FRAME_GAP_MS);
    lastNowMs = nowMs;
    const ctx: PolicyContext = { nowMs, rules: setup.rules };
    if (setup.selfPid !== undefined) ctx.selfPid = setup.selfPid;
    const scoped = decideWithScopes(policy, snapshot, state, params, ctx, setup.scopes, history);
    const decision = scoped.decision;
    history = scoped.history;
    state = decision.state;
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
      report.minAdj = { adj: setup.minAdj, leftOut: input.processes.length - snapshot.processes.length };
    }
    return report;
  });
}
