// Policy parameters as people write them (command line, config file), parsed into the
// values the policies take. Every error says which input is wrong and what would be right.
import { parseDurationMs, parseSizeKiB, formatKiB, sizeProblem } from '../model/units.js';
import type { PolicyName } from '../model/decision.js';
import { PolicyError } from './errors.js';
import { convertLegacyLevels, MAX_LEVELS, type Level } from './table.js';
import { LMKD_PICKS, type LmkdParams, type LmkdPick } from './lmkd.js';
import type { LowmemorykillerParams } from './lowmemorykiller.js';
import type { OomScoreParams } from './oom-score.js';
import type { SimpleLmkParams } from './simple-lmk.js';
import type { ProcessMatcher } from './types.js';
import { compileMatcher } from './protection.js';
import { POLICIES } from './registry.js';

export interface PolicyParams {
  'simple-lmk': SimpleLmkParams;
  lowmemorykiller: LowmemorykillerParams;
  lmkd: LmkdParams;
  'oom-score': OomScoreParams;
}

const SIZE_HINT = 'use KiB, MiB, GiB, or pages like 1536p';

/** A size in KiB; `what` names the input in the error ("minfree"). */
export function parseSize(text: string, what: string): number {
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

export interface ParsedLevels {
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

export function parseDuration(text: string, what: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new PolicyError('bad-duration', `${what} "${text}" is not a duration (e.g. 100ms, 2s)`);
  return ms;
}

export function parsePercent(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!(value >= 0 && value <= 100)) throw new PolicyError('bad-number', `${what} "${text}" is not a percentage from 0 to 100`);
  return value;
}

export function parsePick(text: string): LmkdPick {
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
};

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
  return params as unknown as PolicyParams[N];
}
