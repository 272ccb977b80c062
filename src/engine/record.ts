// A KillResult becomes one journal record. Shared by the engine and the daemon's watchdog,
// which kills through the same path while the main loop is stalled.
import type { PolicyName } from '../model/decision.js';
import type { KillRecord, KillRecordStage } from '../model/kill-record.js';
import type { KillResult } from './ports.js';

export interface RecordContext {
  policy: PolicyName;
  /** Wall-clock ms (Clock.wallMs) when the kill finished. */
  wallMs: number;
  dryRun: boolean;
  domain: string;
  /** Replaces the victim's own sentence (the watchdog prefixes why it acted). */
  why?: string;
  /** For a kill journalled in two records (KillRecord.stage). */
  stage?: { stage: KillRecordStage; killId: string };
}

export function killRecordFrom(r: KillResult, exitMs: number | null, ctx: RecordContext): KillRecord {
  const v = r.victim;
  const record: KillRecord = {
    time: new Date(ctx.wallMs).toISOString(),
    pid: v.pid,
    name: v.name,
    uid: v.uid,
    oomScoreAdj: v.oomScoreAdj,
    sizeKiB: v.sizeKiB,
    anonKiB: v.rssAnonKiB,
    policy: ctx.policy,
    reason: v.reason,
    why: ctx.why ?? v.why,
    killed: r.killed,
    reaped: r.reaped,
    reapMs: r.reapMs,
    exitMs: r.killed ? exitMs : null,
    dryRun: ctx.dryRun,
    domain: ctx.domain,
  };
  if (v.scope !== undefined) record.scope = v.scope;
  if (v.scopeKiB !== undefined) record.scopeKiB = v.scopeKiB;
  if (v.scopeWhy !== undefined) record.scopeWhy = v.scopeWhy;
  if (r.error !== undefined) record.error = r.error;
  if (r.notes.length > 0) record.notes = r.notes;
  if (v.levelAdj !== undefined) record.levelAdj = v.levelAdj;
  if (v.taskName !== undefined) record.taskName = v.taskName;
  if (ctx.stage) {
    record.stage = ctx.stage.stage;
    record.killId = ctx.stage.killId;
  }
  return record;
}
