// The simulator's entry point: a scenario (or a recorded trace) and the runs to compare
// -> a SimulationResult that the text, JSON and HTML reports render.
import { POLICY_NAMES, type PolicyName } from '../model/decision.js';
import { isPolicyName } from '../policy/registry.js';
import { runScenario, type RunPlan } from './run.js';
import type { RunResult, SimulationResult } from './results.js';
import { CONFIGURED_RUN } from './scenario/parse.js';
import type { Scenario, UnitRun } from './scenario/types.js';
import { unitLabel } from './unit-runs.js';

interface SimulateOptions {
  /** Policy names or "configured"; default: the scenario's runs. */
  runs?: readonly string[];
  /** Add a run without reaping next to each run (default: the scenario's compare_no_reap). */
  compareNoReap?: boolean;
  /** Each run once per unit (default: the scenario's units; none: as each domain configures). */
  units?: readonly UnitRun[];
}

export class SimError extends Error {
  constructor(
    readonly code: 'SIM_BAD_RUN',
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

function planRuns(names: readonly string[], domains: Scenario['domains'], compareNoReap: boolean, units: readonly UnitRun[] | null = null): RunPlan[] {
  const plans: RunPlan[] = [];
  for (const name of names) {
    let policyFor: RunPlan['policyFor'];
    if (name === CONFIGURED_RUN) {
      const missing = domains.find((d) => d.policy === null);
      if (missing) throw new SimError('SIM_BAD_RUN', `"configured" needs a policy in every domain; domain "${missing.name}" has none`);
      policyFor = (d) => d.policy as PolicyName;
    } else if (isPolicyName(name)) {
      policyFor = () => name;
    } else {
      throw new SimError('SIM_BAD_RUN', `unknown policy "${name}" (choose from ${[...POLICY_NAMES, CONFIGURED_RUN].join(', ')})`);
    }
    for (const unit of units ?? [null]) {
      const label = unitLabel(name, unit);
      plans.push({ label, policyFor, reap: null, unit });
      if (compareNoReap) plans.push({ label: `${label} (no reap)`, policyFor, reap: false, unit });
    }
  }
  return plans;
}

export async function simulateScenario(s: Scenario, options: SimulateOptions = {}): Promise<SimulationResult> {
  const plans = planRuns(options.runs ?? s.runs, s.domains, options.compareNoReap ?? s.compareNoReap, options.units ?? s.units);
  const runs: RunResult[] = [];
  for (const plan of plans) runs.push(await runScenario(s, plan));
  return {
    name: s.name,
    description: s.description,
    kind: 'scenario',
    durationMs: s.durationMs,
    tickMs: s.tickMs,
    domains: s.domains.map((d) => ({ name: d.name, sizeKiB: d.sizeKiB, swapKiB: d.swapKiB, kind: d.kind })),
    processes: s.processes.length,
    runs,
  };
}
