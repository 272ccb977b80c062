// Policy parameters for a simulated domain: a [domain.params.<policy>] table, read by the
// daemon's own reader (src/config/policy-keys.ts) — the same keys, the same values, the
// same reclaim timeout when the policy has none of its own — so a daemon configuration's
// parameters mean exactly the same in a scenario. A scenario names one table per policy,
// so what the daemon's check-config reports as a key of another policy is an error here.
import type { PolicyName } from '../model/decision.js';
import { PARAM_OPTIONS } from '../policy/params.js';
import { buildPolicyParams, POLICY_KEY_NAMES, policyKeyOwner, type BuiltParams } from '../config/policy-keys.js';
import { readDurationMs } from '../config/values.js';

const PARAM_KEYS: readonly string[] = [...POLICY_KEY_NAMES, 'reclaim_timeout'];

function owners(key: string): readonly PolicyName[] {
  return key === 'reclaim_timeout' ? PARAM_OPTIONS.reclaimTimeout.policies : policyKeyOwner(key);
}

/**
 * Params for `policy` from a raw table, with the reclaim timeout they imply. Throws an
 * Error whose message starts with the key at fault ("minfree: …") so the scenario
 * reader can name it.
 */
export function buildParams(policy: PolicyName, raw: Record<string, unknown> | undefined): BuiltParams {
  const table = raw ?? {};
  for (const key of Object.keys(table)) {
    if (!PARAM_KEYS.includes(key)) throw new Error(`${key}: unknown parameter; expected one of ${PARAM_KEYS.join(', ')}`);
    const by = owners(key);
    if (!by.includes(policy)) throw new Error(`${key}: a parameter of ${by.join(' and ')}, not of ${policy}`);
  }
  if (table.reclaim_timeout !== undefined) {
    const t = readDurationMs(table.reclaim_timeout);
    if (!t.ok) throw new Error(`reclaim_timeout: ${t.message}`);
  }
  let first: string | undefined;
  const built = buildPolicyParams(policy, table, (key, message) => (first ??= `${key}: ${message}`));
  if (!built) throw new Error(first ?? 'reclaim_timeout: not a valid reclaim timeout');
  return built;
}
