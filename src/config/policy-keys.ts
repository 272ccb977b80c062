// Policy parameters in a [[domain]] table. Each TOML key maps onto one of the policy
// layer's text options (src/policy/params.ts, the same parser `explain --minfree` uses),
// so the file, the flags and `explain` accept exactly the same values. Keys are checked
// one at a time so that every bad one is reported, not only the first.
import type { PolicyName } from '../model/decision.js';
import { PARAM_OPTIONS, paramsFromText, type ParamText } from '../policy/params.js';
import { describe, readDurationMs } from './values.js';

interface PolicyKey {
  key: string;
  option: keyof ParamText;
  type: string;
  /** TOML value -> the text the policy parser reads, or an error message. */
  toText(v: unknown): string | { message: string };
}

/** A size is a string with its unit; a bare TOML number is refused (what unit would it be?). */
function sizeText(v: unknown): string | { message: string } {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && v !== 0) return { message: `a size needs a unit: write "${v}KiB" or "${v}MiB", not ${v}` };
  if (v === 0) return '0';
  return { message: `expected a size such as "64MiB", got ${describe(v)}` };
}

function durationText(v: unknown): string | { message: string } {
  const r = readDurationMs(v);
  if (!r.ok) return { message: r.message };
  // The policy parser reads text; a number is written as a plain count of ms (never "1e+21ms").
  return typeof v === 'string' ? v : `${r.value}ms`;
}

function percentText(v: unknown): string | { message: string } {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return { message: `expected a percentage such as 10 or "10%", got ${describe(v)}` };
}

/** "6MiB:0,64MiB:900", or [{ minfree = "6MiB", adj = 0 }, …]. */
function levelsText(v: unknown): string | { message: string } {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return { message: `expected levels such as "6MiB:0,64MiB:900", got ${describe(v)}` };
  const parts: string[] = [];
  for (const [i, level] of v.entries()) {
    const l = level as Record<string, unknown>;
    if (typeof level !== 'object' || level === null || l.adj === undefined || l.minfree === undefined) {
      return { message: `level ${i + 1}: expected { minfree = "64MiB", adj = 900 }, got ${describe(level)}` };
    }
    const size = sizeText(l.minfree);
    if (typeof size !== 'string') return { message: `level ${i + 1}: ${size.message}` };
    parts.push(`${size}:${String(l.adj)}`);
  }
  return parts.join(',');
}

const KEYS: readonly PolicyKey[] = [
  { key: 'minfree', option: 'minfree', type: 'size', toText: sizeText },
  { key: 'levels', option: 'levels', type: 'levels', toText: levelsText },
  { key: 'death_pending', option: 'deathPending', type: 'duration', toText: durationText },
  { key: 'kill_timeout', option: 'killTimeout', type: 'duration', toText: durationText },
  { key: 'pick', option: 'pick', type: 'enum', toText: (v) => (typeof v === 'string' ? v : { message: `expected "heaviest" or "lru", got ${describe(v)}` }) },
  { key: 'mem_available', option: 'memAvailable', type: 'percent', toText: percentText },
  { key: 'swap_free', option: 'swapFree', type: 'percent', toText: percentText },
  { key: 'swap_combine', option: 'swapCombine', type: 'enum', toText: enumText('"and" or "or"') },
  // lmkd's PSI strategy, under lmkd's property names (ro.lmk.<name>; docs/policies.md).
  { key: 'mode', option: 'lmkdMode', type: 'enum', toText: enumText('"table" or "psi"') },
  { key: 'psi_partial_stall_ms', option: 'psiPartialStall', type: 'duration', toText: durationText },
  { key: 'psi_complete_stall_ms', option: 'psiCompleteStall', type: 'duration', toText: durationText },
  { key: 'thrashing_limit', option: 'thrashingLimit', type: 'percent', toText: percentText },
  { key: 'thrashing_limit_decay', option: 'thrashingLimitDecay', type: 'percent', toText: percentText },
  { key: 'thrashing_limit_critical', option: 'thrashingLimitCritical', type: 'percent', toText: percentText },
  { key: 'swap_free_low_percentage', option: 'swapFreeLowPercentage', type: 'percent', toText: percentText },
  // reapd's own backstop between lmkd's PSI events (not an lmkd property).
  { key: 'available_low_percentage', option: 'availableLowPercentage', type: 'percent', toText: percentText },
  { key: 'swap_util_max', option: 'swapUtilMax', type: 'percent', toText: percentText },
  { key: 'filecache_min_kb', option: 'filecacheMin', type: 'size', toText: sizeText },
  { key: 'stall_limit_critical', option: 'stallLimitCritical', type: 'percent', toText: percentText },
  { key: 'perceptible_adj', option: 'perceptibleAdj', type: 'integer', toText: (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : { message: `expected a whole number, got ${describe(v)}` }) },
  { key: 'lowmem_min_oom_score', option: 'lowmemMinOomScore', type: 'integer', toText: (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : { message: `expected a whole number, got ${describe(v)}` }) },
  { key: 'kill_heaviest_task', option: 'killHeaviestTask', type: 'boolean', toText: (v) => (typeof v === 'boolean' ? String(v) : { message: `expected true or false, got ${describe(v)}` }) },
];

function enumText(what: string): (v: unknown) => string | { message: string } {
  return (v) => (typeof v === 'string' ? v : { message: `expected ${what}, got ${describe(v)}` });
}

export const POLICY_KEY_NAMES: readonly string[] = KEYS.map((k) => k.key);

/** Policies that take this TOML key (empty: not a policy key). */
export function policyKeyOwner(key: string): readonly PolicyName[] {
  const k = KEYS.find((x) => x.key === key);
  return k ? PARAM_OPTIONS[k.option].policies : [];
}

/** Engine wait for victims when the policy has no reclaim timeout of its own (ms). */
const DEFAULT_RECLAIM_TIMEOUT_MS = 1000;

export interface BuiltParams {
  params: unknown;
  reclaimTimeoutMs: number;
}

/**
 * The policy's defaults with the domain's keys applied. Keys that belong to other
 * policies are ignored here (validate.ts reports them). reclaim_timeout is also simple-lmk's
 * own parameter (RECLAIM_EXPIRES), so it is passed to the policy when it takes it.
 */
export function buildPolicyParams(policy: PolicyName, raw: Record<string, unknown>, report: (key: string, message: string) => void): BuiltParams | undefined {
  const text: ParamText = {};
  let bad = false;
  for (const k of KEYS) {
    if (raw[k.key] === undefined || !PARAM_OPTIONS[k.option].policies.includes(policy)) continue;
    const t = k.toText(raw[k.key]);
    if (typeof t !== 'string') {
      report(k.key, t.message);
      bad = true;
      continue;
    }
    try {
      paramsFromText(policy, { [k.option]: t });
      text[k.option] = t;
    } catch (e) {
      report(k.key, (e as Error).message);
      bad = true;
    }
  }
  if (raw.reclaim_timeout !== undefined && PARAM_OPTIONS.reclaimTimeout.policies.includes(policy)) {
    const t = durationText(raw.reclaim_timeout);
    if (typeof t === 'string') text.reclaimTimeout = t;
    else {
      report('reclaim_timeout', t.message);
      bad = true;
    }
  }
  if (bad) return undefined;
  try {
    const params = paramsFromText(policy, text) as unknown as Record<string, unknown>;
    const own = params.reclaimTimeoutMs;
    return { params, reclaimTimeoutMs: typeof own === 'number' ? own : DEFAULT_RECLAIM_TIMEOUT_MS };
  } catch (e) {
    // Never silent: a domain whose values produce no policy is an error with its key
    // (a reclaim_timeout of 1e21 once made the domain vanish with check-config saying "valid").
    report(text.reclaimTimeout !== undefined ? 'reclaim_timeout' : 'policy', (e as Error).message);
    return undefined;
  }
}

/** For docs and tests: every policy key with the policies that take it. */
export function policyKeyTable(): ReadonlyArray<{ key: string; type: string; policies: readonly PolicyName[] }> {
  return KEYS.map((k) => ({ key: k.key, type: k.type, policies: PARAM_OPTIONS[k.option].policies }));
}
