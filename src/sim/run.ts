// One run of a scenario: the virtual machine built fresh, one engine per domain, time
// advanced tick by tick. Within a tick, in this order: scenario events, each domain's
// kernel step, each domain's engine (finished waits first, then the trigger), samples.
import type { PolicyName } from '../model/decision.js';
import { DomainRun } from './domain-run.js';
import { VirtualClock } from './kernel/ports.js';
import type { SimProcess } from './kernel/process.js';
import { RunRecorder } from './recorder.js';
import { ADJ_BANDS, type AdjBand, type KillEntry, type ReclaimEntry, type RunResult, type RunSummary } from './results.js';
import type { DomainSpec, Scenario, ScenarioEvent, UnitRun } from './scenario/types.js';
import { buildWorld } from './world.js';
import { scopesForUnit } from './unit-runs.js';

export interface RunPlan {
  label: string;
  /** The policy each domain runs. */
  policyFor(d: DomainSpec): PolicyName;
  /** null: each domain's own `reap` key. */
  reap: boolean | null;
  /** The unit kills take (scope stage off, scope → process, whole scope); absent or null: each domain's scope keys. */
  unit?: UnitRun | null;
}

function applyEvent(e: ScenarioEvent, targets: readonly SimProcess[], drivers: Map<string, DomainRun>, nowMs: number): void {
  for (const p of targets) {
    const d = drivers.get(p.spec.domain)?.domain;
    if (!d) continue;
    switch (e.action) {
      case 'freeze':
      case 'thaw':
        if (p.life === 'running' || e.action === 'thaw') p.frozen = e.action === 'freeze';
        break;
      case 'adj':
        p.adj = e.adj ?? p.adj;
        break;
      case 'start':
        d.start(p, nowMs);
        break;
      case 'stop':
        d.stop(p, nowMs);
        break;
      case 'dstate':
        p.dstateUntilMs = nowMs + (e.forMs ?? 0);
        break;
      case 'starve':
      case 'unstarve':
        p.cpuStarved = e.action === 'starve';
        break;
    }
    p.touch();
    d.reorder();
  }
}

export function summarize(kills: readonly KillEntry[], reclaims: readonly ReclaimEntry[], drivers: readonly { criticalMs: number; stallMs: number }[], timeouts: number): RunSummary {
  const lostByBand = Object.fromEntries(ADJ_BANDS.map((b) => [b, 0])) as Record<AdjBand, number>;
  for (const k of kills) lostByBand[k.band]++;
  return {
    kills: kills.filter((k) => k.by === 'policy').length,
    kernelOomKills: kills.filter((k) => k.by === 'kernel-oom').length,
    freedKiB: kills.reduce((s, k) => s + k.freedKiB, 0),
    overshootKiB: reclaims.reduce((s, r) => s + r.overshootKiB, 0),
    criticalMs: drivers.reduce((s, d) => s + d.criticalMs, 0),
    stallMs: drivers.reduce((s, d) => s + d.stallMs, 0),
    lostByBand,
    reclaimTimeouts: timeouts,
  };
}

export async function runScenario(s: Scenario, plan: RunPlan): Promise<RunResult> {
  const world = buildWorld(s);
  const clock = new VirtualClock(s.epochMs);
  const ticks = Math.ceil(s.durationMs / s.tickMs);
  const drivers = new Map<string, DomainRun>();
  const recorder = new RunRecorder((domain, decision) => ({
    atMs: clock.now,
    neededKiB: drivers.get(domain)?.driver.neededNow(decision) ?? 0,
  }));
  for (const spec of s.domains) {
    const procs = world.byDomain.get(spec.name) ?? [];
    const scopes = { settings: scopesForUnit(spec.scopes, plan.unit ?? null), specs: s.scopes.filter((x) => x.domain === spec.name) };
    drivers.set(spec.name, new DomainRun(spec, procs, plan.policyFor(spec), plan.reap, scopes, clock, recorder, s.tickMs, ticks));
  }
  const byName = new Map<string, SimProcess[]>();
  for (const p of world.all) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const list = [...drivers.values()];
  let next = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const now = tick * s.tickMs;
    clock.now = now;
    for (let e = s.events[next]; e !== undefined && e.atMs <= now; e = s.events[++next]) applyEvent(e, byName.get(e.target) ?? [], drivers, now);
    for (const d of list) d.domain.step(now);
    for (const d of list) await d.driver.tick(now);
    for (const d of list) d.sample(tick);
  }
  recorder.finish();
  const domains = list.map((d) => d.summary(recorder.reclaims.filter((r) => r.domain === d.spec.name).length));
  const reapSet = new Set(list.map((d) => d.reap));
  return {
    label: plan.label,
    reap: reapSet.size > 1 ? 'as configured' : reapSet.has(true) ? 'on' : 'off',
    domains,
    kills: recorder.kills,
    reclaims: recorder.reclaims,
    summary: summarize(recorder.kills, recorder.reclaims, domains, recorder.timeouts),
    timelines: new Map(list.map((d) => [d.spec.name, d.timeline])),
  };
}
