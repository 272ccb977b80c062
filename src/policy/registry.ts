// Every policy by name. The daemon, the simulator and `explain` look policies up here.
import { POLICY_NAMES, type PolicyName } from '../model/decision.js';
import { PolicyError } from './errors.js';
import { lmkd } from './lmkd.js';
import { lowmemorykiller } from './lowmemorykiller.js';
import { oomScore } from './oom-score.js';
import { simpleLmk } from './simple-lmk.js';
import type { Policy } from './types.js';

// Policy<P, S>'s methods are declared as methods, so each concrete policy is assignable
// to Policy<unknown, unknown>; callers pair it with that policy's own params and state.
export const POLICIES: Readonly<Record<PolicyName, Policy<unknown, unknown>>> = {
  'simple-lmk': simpleLmk,
  lowmemorykiller,
  lmkd,
  'oom-score': oomScore,
};

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** The policy called `name`; throws PolicyError('unknown-policy') naming the valid ones. */
export function getPolicy(name: string): Policy<unknown, unknown> {
  if (!isPolicyName(name)) {
    throw new PolicyError('unknown-policy', `unknown policy "${name}" (choose one of ${POLICY_NAMES.join(', ')})`);
  }
  return POLICIES[name];
}
