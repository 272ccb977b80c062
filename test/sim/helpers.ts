// Small builders for simulator tests: scenarios from plain tables, one domain by default.
import { scenarioFromTable } from '../../src/sim/scenario/parse.js';
import type { Scenario } from '../../src/sim/scenario/types.js';
import { SimDomain, type DomainListener, type KillEffects } from '../../src/sim/kernel/domain.js';
import { buildWorld } from '../../src/sim/world.js';
import type { Killed } from '../../src/sim/results.js';

export function scenario(table: Record<string, unknown>): Scenario {
  return scenarioFromTable({ name: 't', duration: '10s', ...table }, 'test.toml', 't');
}

export interface Events {
  exits: Array<{ pid: number; kib: number; atMs: number }>;
  kernelKills: Array<{ pid: number; atMs: number; effects: KillEffects }>;
}

/** A SimDomain for the scenario's first domain, with listeners that record what happens. */
export function domainOf(s: Scenario): { domain: SimDomain; events: Events; tick: (untilMs: number) => void } {
  const events: Events = { exits: [], kernelKills: [] };
  const listener: DomainListener = {
    exited: (p: Killed, kib, atMs) => events.exits.push({ pid: p.pid, kib, atMs }),
    kernelKill: (p: Killed, atMs, effects) => events.kernelKills.push({ pid: p.pid, atMs, effects }),
  };
  const spec = s.domains[0];
  if (!spec) throw new Error('no domain');
  const world = buildWorld(s);
  const domain = new SimDomain(spec, world.byDomain.get(spec.name) ?? [], s.tickMs, listener);
  let now = 0;
  const tick = (untilMs: number): void => {
    for (; now <= untilMs; now += s.tickMs) domain.step(now);
  };
  return { domain, events, tick };
}

export const MiB = 1024;
export const GiB = 1024 * 1024;
