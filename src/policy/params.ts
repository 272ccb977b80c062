// Policy parameters as people write them (command line, config file), parsed into the
// values the policies take. Every error says which input is wrong and what would be right.
import { parseDurationMs, parseSizeKiB, formatKiB, sizeProblem } from '../model/units.js';
import type { PolicyName } from '../model/decision.js';
import { PolicyError } from './errors.js';
import { convertLegacyLevels, MAX_LEVELS, type Level } from './table.js';
import { LMKD_MODES, LMKD_PICKS, type LmkdMode, type LmkdParams, type LmkdPick } from './lmkd.js';
import type { LmkdPsiParams } from './lmkd-psi-params.js';
import type { LowmemorykillerParams } from './lowmemorykiller.js';
import type { OomScoreParams } from './oom-score.js';
import type { SimpleLmkParams } from './simple-lmk.js';
import type { ProcessMatcher } from './types.js';
import { compileMatcher } from './protection.js';
import { POLICIES } from './registry.js';

interface PolicyParams {
  'simple-lmk': SimpleLmkParams;
  lowmemorykiller: LowmemorykillerParams;
  lmkd: LmkdParams;
  'oom-score': OomScoreParams;
}

const SIZE_HINT = 'use KiB, MiB, GiB, or pages like 1536p';

/** A size in KiB; `what` names the input in the error ("minfree"). */
function parseSize(text: string, what: string): number {
  const kib = parseSizeKiB(text);
  if (kib === undefined) throw new PolicyError('bad-size', `${what} ${sizeProblem(text) ?? `"${text}" is not a size (${SIZE_HINT})`}`);
  return kib;
}

/** simple-lmk's minfree: a size above zero. */
export function parseMinfree(text: string): number {
  const kib = parseSize(text, 'minfree');
  if (kib <= 0) throw new PolicyError('bad-size', `minfree "${text}" must be more than 0`);
  return kib;
}

interface ParsedLevels {
  levels: Level[];
  /** The table as written, when it held old-style oom_adj values that were converted. */
  legacy?: Level[];
}

function parseLevel(part: string, n: number): Level {
  const m = /^\s*([^:]+?)\s*:\s*(-?\d+)\s*$/.exec(part);
  if (!m) throw new PolicyError('bad-levels', `level ${n} "${part.trim()}" is not MINFREE:ADJ (e.g. 64MiB:900)`);
  const minfreeKiB = parseSizeKiB(m[1] as string);
  if (minfreeKiB === undefined) {
    throw new PolicyError('bad-levels', `level ${n}: minfree ${sizeProblem(m[1] as string) ?? `"${m[1]}" is not a size (${SIZE_HINT})`}`);
  }
  if (minfreeKiB <= 0) throw new PolicyError('bad-levels', `level ${n}: minfree must be more than 0`);
  const adj = Number(m[2]);
  if (adj < -1000 || adj > 1000) throw new PolicyError('bad-levels', `level ${n}: adj ${adj} is outside -1000..1000`);
  return { minfreeKiB, adj };
}

/**
 * "6MiB:0,8MiB:100,16MiB:200,64MiB:900": 1 to 6 MINFREE:ADJ pairs, minfree strictly
 * ascending. Old-style oom_adj tables ("6MiB:0,8MiB:1,16MiB:6,64MiB:12") are converted
 * as the seed's lowmem_autodetect_oom_adj_values() does.
 */
export function parseLevelsDetailed(text: string): ParsedLevels {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) throw new PolicyError('bad-levels', 'levels are empty: give MINFREE:ADJ pairs such as 6MiB:0,64MiB:900');
  if (parts.length > MAX_LEVELS) {
    throw new PolicyError('bad-levels', `${parts.length} levels given; at most ${MAX_LEVELS} are allowed`);
  }
  const levels = parts.map((p, i) => parseLevel(p, i + 1));
  for (let i = 1; i < levels.length; i++) {
    const prev = levels[i - 1] as Level;
    const cur = levels[i] as Level;
    if (cur.minfreeKiB <= prev.minfreeKiB) {
      throw new PolicyError(
        'bad-levels',
        `level ${i + 1}: minfree ${formatKiB(cur.minfreeKiB)} is not above level ${i}'s ${formatKiB(prev.minfreeKiB)} (minfree must ascend)`,
      );
    }
  }
  const converted = convertLegacyLevels(levels);
  return converted ? { levels: converted, legacy: levels } : { levels };
}

export function parseLevels(text: string): Level[] {
  return parseLevelsDetailed(text).levels;
}

function parseDuration(text: string, what: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new PolicyError('bad-duration', `${what} "${text}" is not a duration (e.g. 100ms, 2s)`);
  return ms;
}

function parsePercent(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!(value >= 0 && value <= 100)) throw new PolicyError('bad-number', `${what} "${text}" is not a percentage from 0 to 100`);
  return value;
}

function parsePick(text: string): LmkdPick {
  if ((LMKD_PICKS as readonly string[]).includes(text)) return text as LmkdPick;
  throw new PolicyError('bad-pick', `pick "${text}" is not one of ${LMKD_PICKS.join(', ')}`);
}

type MatcherKey = keyof ProcessMatcher;

/** "name:^sshd$", "cmdline:--type=renderer", "uid:1000", "cgroup:/system.slice"; a bare
 * pattern is a name pattern. */
export function parseMatcher(text: string): ProcessMatcher {
  const m = /^(name|cmdline|uid|cgroup):(.*)$/s.exec(text);
  const key = (m?.[1] ?? 'name') as MatcherKey;
  const value = m ? (m[2] as string) : text;
  if (value === '') throw new PolicyError('bad-matcher', `matcher "${text}" has no value after "${key}:"`);
  let matcher: ProcessMatcher;
  if (key === 'uid') {
    if (!/^\d+$/.test(value)) throw new PolicyError('bad-matcher', `matcher "${text}": uid must be a number`);
    matcher = { uid: Number(value) };
  } else {
    matcher = { [key]: value };
  }
  compileMatcher(matcher); // reject bad patterns now, with the input in the message
  return matcher;
}

/** Parameters as text, by option name; undefined means "the policy's default". */
export interface ParamText {
  minfree?: string;
  reclaimTimeout?: string;
  levels?: string;
  deathPending?: string;
  killTimeout?: string;
  pick?: string;
  memAvailable?: string;
  swapFree?: string;
  /** oom-score: "and" (earlyoom's kill rule: memory and swap low) or "or" (either low). */
  swapCombine?: string;
  /** lmkd: "table" or "psi". */
  lmkdMode?: string;
  psiPartialStall?: string;
  psiCompleteStall?: string;
  thrashingLimit?: string;
  thrashingLimitDecay?: string;
  thrashingLimitCritical?: string;
  swapFreeLowPercentage?: string;
  availableLowPercentage?: string;
  swapUtilMax?: string;
  filecacheMin?: string;
  stallLimitCritical?: string;
  perceptibleAdj?: string;
  lowmemMinOomScore?: string;
  /** lmkd: "true" or "false", the same as pick "heaviest" or "lru". */
  killHeaviestTask?: string;
}

/** Which policy takes which option, and the flag `explain` and `run` spell it with. */
export const PARAM_OPTIONS: Readonly<Record<keyof ParamText, { flag: string; policies: readonly PolicyName[] }>> = {
  minfree: { flag: '--minfree', policies: ['simple-lmk'] },
  reclaimTimeout: { flag: '--reclaim-timeout', policies: ['simple-lmk'] },
  levels: { flag: '--levels', policies: ['lowmemorykiller', 'lmkd'] },
  deathPending: { flag: '--death-pending', policies: ['lowmemorykiller'] },
  killTimeout: { flag: '--kill-timeout', policies: ['lmkd'] },
  pick: { flag: '--pick', policies: ['lmkd'] },
  memAvailable: { flag: '--mem-available', policies: ['oom-score'] },
  swapFree: { flag: '--swap-free', policies: ['oom-score'] },
  swapCombine: { flag: '--swap-combine', policies: ['oom-score'] },
  lmkdMode: { flag: '--lmkd-mode', policies: ['lmkd'] },
  psiPartialStall: { flag: '--psi-partial-stall', policies: ['lmkd'] },
  psiCompleteStall: { flag: '--psi-complete-stall', policies: ['lmkd'] },
  thrashingLimit: { flag: '--thrashing-limit', policies: ['lmkd'] },
  thrashingLimitDecay: { flag: '--thrashing-limit-decay', policies: ['lmkd'] },
  thrashingLimitCritical: { flag: '--thrashing-limit-critical', policies: ['lmkd'] },
  swapFreeLowPercentage: { flag: '--swap-free-low-percentage', policies: ['lmkd'] },
  availableLowPercentage: { flag: '--available-low-percentage', policies: ['lmkd'] },
  swapUtilMax: { flag: '--swap-util-max', policies: ['lmkd'] },
  filecacheMin: { flag: '--filecache-min', policies: ['lmkd'] },
  stallLimitCritical: { flag: '--stall-limit-critical', policies: ['lmkd'] },
  perceptibleAdj: { flag: '--perceptible-adj', policies: ['lmkd'] },
  lowmemMinOomScore: { flag: '--lowmem-min-oom-score', policies: ['lmkd'] },
  killHeaviestTask: { flag: '--kill-heaviest-task', policies: ['lmkd'] },
};

/** A whole number from `min` up (lmkd's thrashing limits are percentages that may pass 100). */
function parseCount(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = /^\s*-?\d+\s*%?\s*$/.test(text) ? Number.parseInt(text, 10) : NaN;
  if (!(v >= min && v <= max)) throw new PolicyError('bad-number', `${what} "${text}" is not a whole number from ${min} to ${max}`);
  return v;
}

function parseEnum<T extends string>(text: string, what: string, values: readonly T[]): T {
  if ((values as readonly string[]).includes(text)) return text as T;
  throw new PolicyError('bad-number', `${what} "${text}" is not one of ${values.join(', ')}`);
}

/** lmkd's PSI properties (src/policy/lmkd-psi-params.ts), each from its text. */
function applyLmkdPsi(psi: LmkdPsiParams, t: ParamText): LmkdPsiParams {
  const out = { ...psi };
  if (t.psiPartialStall !== undefined) out.psiPartialStallMs = parseDuration(t.psiPartialStall, 'psi_partial_stall_ms');
  if (t.psiCompleteStall !== undefined) out.psiCompleteStallMs = parseDuration(t.psiCompleteStall, 'psi_complete_stall_ms');
  if (t.thrashingLimit !== undefined) {
    out.thrashingLimitPct = parseCount(t.thrashingLimit, 'thrashing_limit', 0);
    // lmkd: thrashing_limit_critical defaults to thrashing_limit * 2.
    out.thrashingLimitCriticalPct = out.thrashingLimitPct * 2;
  }
  if (t.thrashingLimitDecay !== undefined) out.thrashingLimitDecayPct = parseCount(t.thrashingLimitDecay, 'thrashing_limit_decay', 0, 100);
  if (t.thrashingLimitCritical !== undefined) out.thrashingLimitCriticalPct = parseCount(t.thrashingLimitCritical, 'thrashing_limit_critical', 0);
  if (t.swapFreeLowPercentage !== undefined) out.swapFreeLowPct = parseCount(t.swapFreeLowPercentage, 'swap_free_low_percentage', 0, 100);
  if (t.availableLowPercentage !== undefined) out.availableLowPct = parseCount(t.availableLowPercentage, 'available_low_percentage', 0, 100);
  if (t.swapUtilMax !== undefined) out.swapUtilMaxPct = parseCount(t.swapUtilMax, 'swap_util_max', 0, 100);
  if (t.filecacheMin !== undefined) out.filecacheMinKiB = parseSize(t.filecacheMin, 'filecache_min_kb');
  if (t.stallLimitCritical !== undefined) out.stallLimitCriticalPct = parsePercent(t.stallLimitCritical, 'stall_limit_critical');
  if (t.perceptibleAdj !== undefined) out.perceptibleAdj = parseCount(t.perceptibleAdj, 'perceptible_adj', -1001, 1000);
  if (t.lowmemMinOomScore !== undefined) out.lowmemMinOomScore = parseCount(t.lowmemMinOomScore, 'lowmem_min_oom_score', -1000, 1001);
  return out;
}

function applyLmkd(params: Record<string, unknown>, t: ParamText): void {
  if (t.lmkdMode !== undefined) params.mode = parseEnum<LmkdMode>(t.lmkdMode, 'mode', LMKD_MODES);
  if (t.killHeaviestTask !== undefined) params.pick = parseEnum(t.killHeaviestTask, 'kill_heaviest_task', ['true', 'false']) === 'true' ? 'heaviest' : 'lru';
  if (params.psi !== undefined) params.psi = applyLmkdPsi(params.psi as LmkdPsiParams, t);
}

function checkApplicable(name: PolicyName, text: ParamText): void {
  for (const [key, value] of Object.entries(text)) {
    const opt = PARAM_OPTIONS[key as keyof ParamText];
    if (value === undefined || !opt) continue;
    if (!opt.policies.includes(name)) {
      throw new PolicyError('param-not-applicable', `${opt.flag} applies to ${opt.policies.join(' and ')}, not ${name}`);
    }
  }
}

/** The policy's defaults with the given options applied. */
export function paramsFromText<N extends PolicyName>(name: N, text: ParamText): PolicyParams[N] {
  checkApplicable(name, text);
  const params = { ...(POLICIES[name].defaultParams() as object) } as Record<string, unknown>;
  if (text.minfree !== undefined) params.minfreeKiB = parseMinfree(text.minfree);
  if (text.reclaimTimeout !== undefined) params.reclaimTimeoutMs = parseDuration(text.reclaimTimeout, 'reclaim timeout');
  if (text.levels !== undefined) params.levels = parseLevels(text.levels);
  if (text.deathPending !== undefined) params.deathPendingMs = parseDuration(text.deathPending, 'death pending');
  if (text.killTimeout !== undefined) params.killTimeoutMs = parseDuration(text.killTimeout, 'kill timeout');
  if (text.pick !== undefined) params.pick = parsePick(text.pick);
  if (text.memAvailable !== undefined) params.memAvailablePercent = parsePercent(text.memAvailable, 'mem available');
  if (text.swapFree !== undefined) params.swapFreePercent = parsePercent(text.swapFree, 'swap free');
  if (text.swapCombine !== undefined) params.swapCombine = parseEnum(text.swapCombine, 'swap_combine', ['and', 'or']);
  if (name === 'lmkd') applyLmkd(params, text);
  return params as unknown as PolicyParams[N];
}
