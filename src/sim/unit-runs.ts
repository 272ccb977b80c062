// Runs that compare the unit a kill takes (`units`, `--units`): the same workload with the
// scope stage off, with it choosing a scope and the policy a process inside it, and with it
// killing the whole chosen scope. Only the scope mode and kill_unit change; every other scope
// key (scope_root, scope_rank, scope_window, the tiers) stays as the domain configures it.
import type { ScopeSettings } from '../policy/scope/settings.js';
import type { UnitRun } from './scenario/types.js';

const LABELS: Readonly<Record<UnitRun, string>> = {
  process: 'process',
  scope: 'scope → process',
  'whole-scope': 'whole scope',
};

/** "simple-lmk" + "scope" -> "simple-lmk, scope → process". */
export function unitLabel(run: string, unit: UnitRun | null): string {
  return unit === null ? run : `${run}, ${LABELS[unit]}`;
}

/** The domain's scope settings for a run of this unit (null: as configured). */
export function scopesForUnit(s: ScopeSettings, unit: UnitRun | null): ScopeSettings {
  if (unit === null) return s;
  if (unit === 'process') return { ...s, mode: 'none' };
  return { ...s, mode: 'cgroup', killUnit: unit === 'scope' ? 'process' : 'cgroup' };
}
