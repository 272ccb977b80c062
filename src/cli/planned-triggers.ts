// The triggers `run` will arm for a domain, in words, for check-config's summary: computed
// by the daemon's own trigger plan on this kernel, so the summary cannot disagree with
// what runs (it once said "psi some 70ms/1000ms" for a v1 memcg where run arms vmpressure
// and under_oom eventfds).
import { existsSync } from 'node:fs';
import type { DomainConfig } from '../config/types.js';
import { planForPolicy, SYSTEM_PSI_PATH, type PlannedSource } from '../daemon/trigger-plan.js';
import { classifyDomain } from '../kernel/procfs/domain-kind.js';
import { POLICIES } from '../policy/registry.js';

function describeSource(s: PlannedSource): string {
  switch (s.kind) {
    case 'psi':
      return `PSI ${s.psiKind} ${s.stallUs / 1000}ms/${s.windowUs / 1000}ms on ${s.path}`;
    case 'memcg':
      return s.event === 'oom' ? `under_oom eventfd on ${s.memcg}` : `vmpressure critical eventfd on ${s.memcg}`;
    case 'memory-events':
      return `memory.events (high, max, oom) on ${s.group}`;
    case 'poll':
      return `adaptive poll ${s.minMs}–${s.maxMs} ms${s.wake ? ` woken by PSI ${s.wake.psiKind} ${s.wake.stallUs / 1000}ms/${s.wake.windowUs / 1000}ms on ${s.wake.path}` : ''}`;
  }
}

export function plannedTriggers(d: DomainConfig): string {
  try {
    const policy = POLICIES[d.policy];
    const plan = planForPolicy(d, policy, classifyDomain(d.memcg), { psi: existsSync(SYSTEM_PSI_PATH) });
    return `run arms: ${plan.sources.map(describeSource).join(' + ')} (trigger ${d.trigger.mode}: ${plan.why})`;
  } catch (e) {
    return `run cannot arm its triggers: ${e instanceof Error ? e.message : String(e)}`;
  }
}
