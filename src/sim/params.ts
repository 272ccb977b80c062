// Policy parameters for a simulated domain: [domain.params.<policy>] tables, with the
// same keys as the daemon's configuration (minfree, levels, death_pending, kill_timeout,
// pick, mem_available, swap_free, reclaim_timeout), turned into text for the policy
// layer's own parser (src/policy/params.ts), so values mean exactly what they mean there.
import type { PolicyName } from '../model/decision.js';
import { paramsFromText, PARAM_OPTIONS, type ParamText } from '../policy/params.js';

/** The daemon waits this long for victims when the policy has no timeout of its own. */
export const DEFAULT_RECLAIM_TIMEOUT_MS = 1000;

const KEY_TO_OPTION: Readonly<Record<string, keyof ParamText>> = {
  minfree: 'minfree',
  reclaim_timeout: 'reclaimTimeout',
  levels: 'levels',
  death_pending: 'deathPending',
  kill_timeout: 'killTimeout',
  pick: 'pick',
  mem_available: 'memAvailable',
  swap_free: 'swapFree',
};

export const PARAM_KEYS: readonly string[] = Object.keys(KEY_TO_OPTION);

function toText(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (key === 'minfree') return `${v}KiB`;
    if (key === 'mem_available' || key === 'swap_free') return String(v);
    return `${v}ms`;
  }
  if (key === 'levels' && Array.isArray(v)) {
    return v
      .map((l: unknown) => {
        const level = l as { minfree?: unknown; adj?: unknown };
        return `${typeof level.minfree === 'number' ? `${level.minfree}KiB` : String(level.minfree)}:${String(level.adj)}`;
      })
      .join(',');
  }
  throw new Error(`expected a string, got ${JSON.stringify(v)}`);
}

export interface BuiltParams {
  params: unknown;
  /** The policy's own reclaim timeout (simple-lmk's RECLAIM_EXPIRES), if it has one. */
  policyTimeoutMs: number | null;
}

/**
 * Params for `policy` from a raw table. Throws an Error whose message starts with the
 * key at fault ("minfree: …") so the scenario reader can name it.
 */
export function buildParams(policy: PolicyName, raw: Record<string, unknown> | undefined): BuiltParams {
  const text: ParamText = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const option = KEY_TO_OPTION[key];
    if (option === undefined) throw new Error(`${key}: unknown parameter; expected one of ${PARAM_KEYS.join(', ')}`);
    if (!PARAM_OPTIONS[option].policies.includes(policy)) {
      throw new Error(`${key}: a parameter of ${PARAM_OPTIONS[option].policies.join(' and ')}, not of ${policy}`);
    }
    try {
      text[option] = toText(key, value);
      paramsFromText(policy, { [option]: text[option] });
    } catch (e) {
      throw new Error(`${key}: ${(e as Error).message}`);
    }
  }
  const params = paramsFromText(policy, text) as unknown;
  const own = (params as { reclaimTimeoutMs?: unknown }).reclaimTimeoutMs;
  return { params, policyTimeoutMs: typeof own === 'number' ? own : null };
}
