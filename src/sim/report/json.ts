// `reapd simulate --json`: one object, keys in a fixed order, documented field by field in
// docs/simulator.md ("JSON output"). format/version name the structure; add fields,
// never rename them.
import { verdict } from './verdict.js';
import { bestSentence, runSentence } from './verdict-words.js';
import { ADJ_BANDS, type DomainSummary, type KillEntry, type ReclaimEntry, type RunResult, type SimulationResult } from '../results.js';

const JSON_FORMAT = 'reapd-simulation';
const JSON_VERSION = 1;

function kill(k: KillEntry): Record<string, unknown> {
  return {
    atMs: k.atMs,
    domain: k.domain,
    pid: k.pid,
    name: k.name,
    uid: k.uid,
    oomScoreAdj: k.oomScoreAdj,
    band: k.band,
    by: k.by,
    reason: k.reason,
    why: k.why,
    sizeKiB: k.sizeKiB,
    freedKiB: k.freedKiB,
    reaped: k.reaped,
    reapedKiB: k.reapedKiB,
    exitAtMs: k.exitAtMs,
    notes: [...k.notes],
    reclaim: k.reclaim,
    ...(k.scope !== undefined ? { scope: k.scope, scopeKiB: k.scopeKiB, scopeWhy: k.scopeWhy } : {}),
  };
}

function reclaim(r: ReclaimEntry): Record<string, unknown> {
  return {
    atMs: r.atMs,
    domain: r.domain,
    trigger: r.trigger,
    neededKiB: r.neededKiB,
    freedKiB: r.freedKiB,
    overshootKiB: r.overshootKiB,
    victims: r.victims,
    timedOut: r.timedOut,
  };
}

function domain(d: DomainSummary): Record<string, unknown> {
  return {
    name: d.name,
    policy: d.policy,
    reap: d.reap,
    criticalMs: d.criticalMs,
    stallMs: d.stallMs,
    blockedMs: d.blockedMs,
    peakUsedKiB: d.peakUsedKiB,
    minAvailableKiB: d.minAvailableKiB,
    triggers: d.triggers,
    reclaims: d.reclaims,
  };
}

function run(r: RunResult): Record<string, unknown> {
  const s = r.summary;
  return {
    label: r.label,
    reap: r.reap,
    summary: {
      kills: s.kills,
      kernelOomKills: s.kernelOomKills,
      freedKiB: s.freedKiB,
      overshootKiB: s.overshootKiB,
      criticalMs: s.criticalMs,
      stallMs: s.stallMs,
      reclaimTimeouts: s.reclaimTimeouts,
      lostByBand: Object.fromEntries(ADJ_BANDS.map((b) => [b, s.lostByBand[b]])),
    },
    domains: r.domains.map(domain),
    kills: r.kills.map(kill),
    reclaims: r.reclaims.map(reclaim),
  };
}

function verdictJson(r: SimulationResult): Record<string, unknown> {
  const v = verdict(r);
  return {
    criterion: v.criterion,
    best: [...v.best],
    sentence: bestSentence(v),
    runs: v.runs.map((x) => ({
      label: x.label,
      best: x.best,
      lostProcesses: x.lostProcesses,
      lostKiB: x.lostKiB,
      lostByBand: Object.fromEntries(x.lostByBand.map((b) => [b.band, { processes: b.processes, heldKiB: b.heldKiB }])),
      kernelOomKills: x.kernelOomKills,
      criticalMs: x.criticalMs,
      stallMs: x.stallMs,
      neededKiB: x.neededKiB,
      freedKiB: x.freedKiB,
      overshootKiB: x.overshootKiB,
      reclaimTimeouts: x.reclaimTimeouts,
      sentence: runSentence(x),
      remarks: [...x.remarks],
    })),
    remarks: [...v.remarks],
  };
}

export function jsonReport(r: SimulationResult): string {
  const out = {
    format: JSON_FORMAT,
    version: JSON_VERSION,
    kind: r.kind,
    name: r.name,
    description: r.description,
    durationMs: r.durationMs,
    tickMs: r.tickMs,
    processes: r.processes,
    domains: r.domains.map((d) => ({ name: d.name, kind: d.kind, sizeKiB: d.sizeKiB, swapKiB: d.swapKiB })),
    verdict: verdictJson(r),
    runs: r.runs.map(run),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
