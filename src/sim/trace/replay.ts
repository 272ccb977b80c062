// Replays a recorded trace (NDJSON snapshots from `reapd record`) through the daemon's
// engine and policies: one tick per frame, the same driver as scenarios.
import type { PolicyName } from '../../model/decision.js';
import { POLICY_NAMES } from '../../model/decision.js';
import { isPolicyName } from '../../policy/registry.js';
import type { ProtectionRules } from '../../policy/types.js';
import { NO_RULES } from '../../policy/types.js';
import type { DomainSettings } from '../../engine/domain.js';
import { DomainDriver, type DriverSettings } from '../driver.js';
import { VirtualClock } from '../kernel/ports.js';
import { RunRecorder } from '../recorder.js';
import type { RunResult, SimulationResult } from '../results.js';
import { summarize } from '../run.js';
import type { PsiSettings } from '../scenario/types.js';
import { SimError } from '../simulate.js';
import { TraceBackend } from './backend.js';
import { domainTotalKiB, identity, type Frame } from './frames.js';
import { TraceSampler } from './sampler.js';

interface ReplayOptions {
  /** Policy names; default: all four. */
  runs?: readonly string[];
  compareNoReap?: boolean;
  /** Raw parameter tables per policy (the scenario keys: minfree, levels …). */
  params?: Partial<Record<PolicyName, Record<string, unknown>>>;
  rules?: ProtectionRules;
  psi?: PsiSettings;
  trigger?: 'both' | 'psi' | 'vmpressure';
  /** "critical" when available memory is at or below this percentage of the total. */
  criticalPercent?: number;
  reclaimTimeoutMs?: number | null;
  /** Epoch of virtual time 0 for journal timestamps; default: the first frame's timeMs. */
  epochMs?: number;
  /**
   * A daemon [[domain]] as the daemon's config reader built it (config DomainConfig): its
   * policy's run uses its parameters, rules, min_adj and reclaim timeout, so the trace
   * replays what that daemon would have decided. Runs default to its policy alone.
   */
  daemonDomain?: DomainSettings;
}

const DEFAULT_CRITICAL_PERCENT = 2;

export interface Trace {
  name: string;
  frames: Frame[];
}

function domainName(f: Frame): string {
  return f.snapshot.cgroup?.path ?? 'machine';
}

function tickOf(frames: readonly Frame[]): number {
  const gaps = frames.slice(1).map((f, i) => f.atMs - (frames[i] as Frame).atMs).sort((a, b) => a - b);
  return gaps.length > 0 ? (gaps[Math.floor(gaps.length / 2)] as number) : 100;
}

async function replayRun(trace: Trace, policy: PolicyName, reap: boolean, label: string, o: ReplayOptions): Promise<RunResult> {
  const frames = trace.frames;
  const first = frames[0] as Frame;
  const domain = domainName(first);
  const psi = o.psi ?? { stallMs: 70, windowMs: 1000 };
  const clock = new VirtualClock(o.epochMs ?? first.snapshot.timeMs ?? 0);
  let driver: DomainDriver | null = null;
  const recorder = new RunRecorder((_d, decision) => ({ atMs: clock.now, neededKiB: driver?.neededNow(decision) ?? 0 }));
  const backend = new TraceBackend(frames, clock, recorder, domain, reap, psi.windowMs, o.criticalPercent ?? DEFAULT_CRITICAL_PERCENT);
  const daemon = o.daemonDomain?.policy === policy ? o.daemonDomain : undefined;
  const settings: DriverSettings = daemon
    ? { domain, policy, paramTable: undefined, params: daemon.params, rules: daemon.rules, minAdj: daemon.minAdj, reclaimTimeoutMs: daemon.reclaimTimeoutMs, psi, trigger: o.trigger ?? 'both',
      ...(daemon.scopes ? { scopes: daemon.scopes } : {}) }
    : { domain, policy, paramTable: o.params?.[policy], rules: o.rules ?? NO_RULES, reclaimTimeoutMs: o.reclaimTimeoutMs ?? null, psi, trigger: o.trigger ?? 'both' };
  driver = new DomainDriver(
    settings,
    backend,
    clock,
    recorder,
  );
  const sampler = new TraceSampler(frames, tickOf(frames));
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Frame;
    clock.now = f.atMs;
    backend.advance(i);
    // As in a scenario, pressure is what the frame shows before this tick's kills.
    const critical = backend.critical();
    await driver.tick(f.atMs);
    sampler.sample(i, backend.current(), critical);
  }
  recorder.finish();
  const summary = sampler.summary(domain, policy, reap, driver.triggers, recorder.reclaims.length);
  return {
    label,
    reap: reap ? 'on' : 'off',
    domains: [summary],
    kills: recorder.kills,
    reclaims: recorder.reclaims,
    summary: summarize(recorder.kills, recorder.reclaims, [summary], recorder.timeouts),
    timelines: new Map([[domain, sampler.timeline]]),
  };
}

export async function replayTrace(trace: Trace, o: ReplayOptions = {}): Promise<SimulationResult> {
  const first = trace.frames[0];
  if (!first) throw new SimError('SIM_BAD_RUN', `${trace.name}: the trace holds no snapshots`);
  const names = o.runs ?? (o.daemonDomain ? [o.daemonDomain.policy] : POLICY_NAMES);
  const runs: RunResult[] = [];
  for (const name of names) {
    if (!isPolicyName(name)) throw new SimError('SIM_BAD_RUN', `unknown policy "${name}" for a trace (choose from ${POLICY_NAMES.join(', ')})`);
    runs.push(await replayRun(trace, name, true, name, o));
    if (o.compareNoReap) runs.push(await replayRun(trace, name, false, `${name} (no reap)`, o));
  }
  const tickMs = tickOf(trace.frames);
  const last = trace.frames[trace.frames.length - 1] as Frame;
  const ids = new Set(trace.frames.flatMap((f) => f.snapshot.processes.map(identity)));
  return {
    name: trace.name,
    description: `${trace.frames.length} recorded snapshots`,
    kind: 'trace',
    durationMs: last.atMs + tickMs,
    tickMs,
    domains: [{ name: domainName(first), sizeKiB: domainTotalKiB(first.snapshot), swapKiB: first.snapshot.memory.swapTotalKiB, kind: first.snapshot.cgroup ? 'cgroup' : 'machine' }],
    processes: ids.size,
    runs,
  };
}
