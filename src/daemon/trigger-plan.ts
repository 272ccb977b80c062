// Which trigger sources a domain arms: a pure function of its configuration, its policy's
// trigger kind, what kind of cgroup it is, and whether the kernel has PSI. The daemon
// turns the plan into TriggerSource objects (triggers.ts). docs/configuration.md
// ("Triggers") has the same table for people.
//
//   policy kind  domain          auto
//   pressure     machine         PSI on /proc/pressure/memory
//   pressure     cgroup2 dir     PSI on DIR/memory.pressure
//   pressure     v1 memcg        PSI on psi_group/memory.pressure when psi_group is set,
//                                else memory.pressure_level critical + memory.oom_control
//   threshold    machine/cgroup2 the adaptive poller (no kernel event serves a threshold)
//   threshold    v1 memcg        the adaptive poller + memory.oom_control (at the limit, act now),
//                                + PSI on psi_group when set
//   pressure     cgroup2 memory  PSI on DIR/memory.pressure + DIR/memory.events (high, max, oom)
//   threshold    cgroup2 memory  the adaptive poller + DIR/memory.events
// A cgroup2 group with the memory controller ("cgroup2-memory") has memory.events: the
// kernel's own word that the group went over memory.high or hit memory.max. Without
// swap a group at memory.max is OOM-killed within one failed reclaim, long before a PSI
// window fills (docs/host-layouts.md), so on such a group memory.events is always armed.
import { join } from 'node:path';
import { triggerKindOf, type Policy, type PsiWant, type TriggerKind } from '../policy/types.js';
import type { DomainConfig, PsiKind } from '../config/types.js';
import type { DomainKind } from '../model/memory-view.js';

export type PlannedSource =
  | { kind: 'psi'; path: string; psiKind: PsiKind; stallUs: number; windowUs: number; level?: 'medium' | 'critical' }
  | { kind: 'memcg'; memcg: string; event: 'critical' | 'oom' }
  | { kind: 'memory-events'; group: string }
  | { kind: 'poll'; minMs: number; maxMs: number; wake?: PsiWake; level?: 'poll' };

/** A PSI trigger that only ends the adaptive poller's sleep early (it never acts by itself). */
interface PsiWake {
  path: string;
  psiKind: PsiKind;
  stallUs: number;
  windowUs: number;
}

export interface TriggerPlan {
  sources: PlannedSource[];
  /** Why these sources (one sentence, for the start log). */
  why: string;
}

export class PlanError extends Error {
  constructor(
    message: string,
    /** 'unsupported': the kernel lacks something; 'config': the configuration asks for the impossible. */
    readonly kind: 'unsupported' | 'config',
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

export const SYSTEM_PSI_PATH = '/proc/pressure/memory';

function psiSpec(d: DomainConfig): Omit<PsiWake, 'path'> {
  const t = d.trigger;
  return { psiKind: t.psiKind, stallUs: Math.round(t.psiStallMs * 1000), windowUs: Math.round(t.psiWindowMs * 1000) };
}

function psiSource(d: DomainConfig, path: string): PlannedSource {
  return { kind: 'psi', path, ...psiSpec(d) };
}

function psiPath(d: DomainConfig, where: DomainKind): string {
  if (where === 'machine') return SYSTEM_PSI_PATH;
  if (where === 'cgroup2' || where === 'cgroup2-memory') return join(d.memcg ?? '', 'memory.pressure');
  if (d.psiGroup !== null) return join(d.psiGroup, 'memory.pressure');
  throw new PlanError(`domain "${d.name}": a cgroup v1 memcg has no memory.pressure; set psi_group to a cgroup2 group holding the same processes, or use trigger = "memcg-events"`, 'config');
}

/** The domain's PSI file whatever its triggers (metrics, status), or null (a v1 memcg without psi_group). */
export function pressurePathFor(d: DomainConfig, where: DomainKind): string | null {
  return where === 'memcg-v1' && d.psiGroup === null ? null : psiPath(d, where);
}

function requirePsi(psi: boolean, d: DomainConfig): void {
  if (!psi) throw new PlanError(`domain "${d.name}": PSI is not available (/proc/pressure is missing; boot with psi=1)`, 'unsupported');
}

/**
 * The policy's own PSI triggers (lmkd's PSI strategy: "some" at psi_partial_stall_ms as
 * medium, "full" at psi_complete_stall_ms as critical), over the domain's psi_window.
 */
function wantedPsi(d: DomainConfig, path: string, wants: readonly PsiWant[]): PlannedSource[] {
  const windowUs = Math.round(d.trigger.psiWindowMs * 1000);
  return wants.map((w) => ({ kind: 'psi', path, psiKind: w.psiKind, stallUs: Math.round(w.stallMs * 1000), windowUs, level: w.level }));
}

/**
 * The plan for a policy of this kind with these PSI wants (planForPolicy reads both off
 * the policy). `pollBetween`: the policy also wants the adaptive poll beside its own PSI
 * triggers (Policy.pollsBetweenEvents), whose events carry level "poll".
 */
function planTriggers(d: DomainConfig, policyKind: TriggerKind, where: DomainKind, caps: { psi: boolean }, wants?: readonly PsiWant[], pollBetween = false): TriggerPlan {
  const poll: PlannedSource = { kind: 'poll', minMs: d.trigger.pollMinMs, maxMs: d.trigger.pollMaxMs };
  if (wants && wants.length > 0 && (d.trigger.mode === 'auto' || d.trigger.mode === 'psi')) {
    if (!caps.psi && pollBetween && d.trigger.mode === 'auto') {
      // A default that stops a daemon on a kernel booted without PSI would guard nothing: keep the backstop.
      return { sources: [{ ...poll, level: 'poll' }], why: 'PSI is not available (/proc/pressure is missing; boot with psi=1): only the adaptive poll of available memory (available_low_percentage), none of the policy\'s PSI reasons' };
    }
    requirePsi(caps.psi, d);
    const path = psiPath(d, where);
    const what = wants.map((w) => `${w.psiKind} ${w.stallMs} ms (${w.level})`).join(', ');
    const why = `the policy's PSI triggers on ${path}: ${what} per ${d.trigger.psiWindowMs} ms`;
    if (!pollBetween) return { sources: wantedPsi(d, path, wants), why };
    return { sources: [...wantedPsi(d, path, wants), { ...poll, level: 'poll' }], why: `${why}, and between them the adaptive poll of available memory` };
  }
  // Where the domain has a PSI file, its stalls wake the poller: check now, not after the nap.
  const pressure = caps.psi && d.trigger.mode === 'auto' ? pressurePathFor(d, where) : null;
  const wokenPoll: PlannedSource = pressure === null ? poll : { ...poll, wake: { ...psiSpec(d), path: pressure } };
  const memcgEvents = (events: Array<'critical' | 'oom'>): PlannedSource[] =>
    where === 'cgroup2-memory' ? [{ kind: 'memory-events', group: d.memcg ?? '' }] : events.map((event) => ({ kind: 'memcg', memcg: d.memcg ?? '', event }));
  const limitEvents = where === 'memcg-v1' || where === 'cgroup2-memory';
  switch (d.trigger.mode) {
    case 'psi':
      requirePsi(caps.psi, d);
      return { sources: [psiSource(d, psiPath(d, where))], why: 'trigger = "psi"' };
    case 'memcg-events':
      if (!limitEvents) throw new PlanError(`domain "${d.name}": trigger "memcg-events" needs a cgroup v1 memory directory or a cgroup2 group with the memory controller`, 'config');
      return { sources: memcgEvents(['critical', 'oom']), why: 'trigger = "memcg-events"' };
    case 'poll':
      return { sources: limitEvents ? [poll, ...memcgEvents(['oom'])] : [poll], why: 'trigger = "poll"' };
    case 'auto':
      break;
  }
  if (where === 'cgroup2-memory') return planCgroup2Memory(d, policyKind, wokenPoll, caps);
  if (policyKind === 'pressure') {
    if (where === 'memcg-v1' && d.psiGroup === null) {
      return { sources: memcgEvents(['critical', 'oom']), why: 'pressure policy on a v1 memcg: vmpressure critical and under_oom eventfds' };
    }
    requirePsi(caps.psi, d);
    return { sources: [psiSource(d, psiPath(d, where))], why: `pressure policy: PSI on ${psiPath(d, where)}` };
  }
  if (where === 'memcg-v1') {
    const psi = d.psiGroup !== null && caps.psi ? [psiSource(d, psiPath(d, where))] : [];
    return { sources: [poll, ...memcgEvents(['oom']), ...psi], why: 'threshold policy on a v1 memcg: adaptive poll of limit - usage, under_oom (and PSI on psi_group when set)' };
  }
  if (pressure !== null) return { sources: [wokenPoll], why: `threshold policy: adaptive poll (no kernel event serves a threshold), woken early by PSI stalls on ${pressure}` };
  return { sources: [poll], why: 'threshold policy: adaptive poll (no kernel event serves a threshold)' };
}

function planCgroup2Memory(d: DomainConfig, policyKind: TriggerKind, poll: PlannedSource, caps: { psi: boolean }): TriggerPlan {
  const events: PlannedSource = { kind: 'memory-events', group: d.memcg ?? '' };
  if (policyKind === 'threshold') {
    return { sources: [poll, events], why: 'threshold policy on a cgroup2 memory group: adaptive poll of the headroom, memory.events (high, max, oom)' };
  }
  if (!caps.psi) return { sources: [events], why: 'pressure policy on a cgroup2 memory group without PSI: memory.events (high, max, oom)' };
  return { sources: [psiSource(d, psiPath(d, 'cgroup2-memory')), events], why: 'pressure policy on a cgroup2 memory group: PSI on memory.pressure and memory.events (high, max, oom)' };
}

/** The domain's trigger plan, from what its policy asks for (its kind, its own PSI triggers, its poll between them). */
export function planForPolicy(d: DomainConfig, policy: Policy, where: DomainKind, caps: { psi: boolean }): TriggerPlan {
  return planTriggers(d, triggerKindOf(policy, d.params), where, caps, policy.psiTriggers?.(d.params), policy.pollsBetweenEvents?.(d.params) ?? false);
}

/** Two plans arm the same sources (reload re-arms only when they differ). */
export function samePlan(a: TriggerPlan, b: TriggerPlan): boolean {
  return JSON.stringify(a.sources) === JSON.stringify(b.sources);
}
