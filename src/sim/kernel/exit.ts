// How long a killed process takes to exit, and what reaping costs. Figures from
// kernel-interfaces §3.4 (measured on this project's machine, idle, 2 CPUs):
//   SIGKILL alone: 1 GiB victim exits in 26–37 ms, 4 GiB in 118–133 ms  -> ~30 ms/GiB;
//   process_mrelease: 1 GiB in 14.3–18.7 ms, 4 GiB in 63–66 ms          -> ~16 ms/GiB.
import type { DomainSpec } from '../scenario/types.js';
import type { SimProcess } from './process.js';

const GiB = 1024 * 1024;
const REAP_MS_PER_GIB = 16;

/**
 * Signal-to-exit delay, ms: (base + perGiB x resident GiB) x contention x starvation.
 * Contention is the domain's runnable CPU demand over its CPUs (at least 1); a boosted
 * (real-time) victim does not queue behind it unless it is CPU-starved, where boosting
 * does not help (a throttled cpu cgroup) and starvedFactor multiplies everything.
 */
export function exitDelayMs(p: SimProcess, spec: DomainSpec, cpuDemand: number): number {
  const gib = p.residentKiB() / GiB;
  const base = spec.exit.baseMs + spec.exit.msPerGiB * gib;
  const contention = p.boosted && !p.cpuStarved ? 1 : Math.max(1, cpuDemand / spec.cpus);
  const starved = p.cpuStarved ? spec.exit.starvedFactor : 1;
  return Math.round(base * contention * starved);
}

/** Time process_mrelease takes to free kib, ms (one decimal). */
export function reapCostMs(kib: number): number {
  return Math.round((kib / GiB) * REAP_MS_PER_GIB * 10) / 10;
}
