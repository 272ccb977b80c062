// The protection rules every policy shares (one module, so no policy can forget one).
// Fixed rules first — pid 1, the daemon itself, kernel threads, zombies, exiting
// processes, oom_score_adj -1000 — then the configurable protect / prefer / avoid matchers.
//
// Patterns are RE2 expressions matched by re2js, a linear-time engine (no backtracking):
// any user chooses their own argv, and with the backtracking RegExp a rule such as
// cmdline = "^(\w+\s?)*$" against a process named "a"×34 + "!" froze the main loop and the
// watchdog for minutes while a memcg sat at its limit. RE2 has no lookaround and no
// backreferences; such a rule is refused when the configuration is read.
import { RE2JS } from 're2js';
import type { ProcessInfo } from '../model/snapshot.js';
import type { SkipReason } from '../model/decision.js';
import { PolicyError } from './errors.js';
import type { PolicyContext, ProcessMatcher, ProtectionRules } from './types.js';

import { OOM_SCORE_ADJ_MIN } from '../model/limits.js';

const SLASH = 0x2f;

/**
 * Where a candidate sits before the policy's own order. Preferred processes rank above
 * every normal one, avoided ones below every normal one; the policy's order applies
 * within a tier (docs/policies.md, "prefer and avoid").
 */
export type Tier = 'prefer' | 'normal' | 'avoid';
export const TIER_RANK: Readonly<Record<Tier, number>> = { prefer: 0, normal: 1, avoid: 2 };

/** A compiled pattern: test() finds a match anywhere in the input, in time linear in its length. */
interface Pattern {
  test(input: string): boolean;
}

interface CompiledMatcher {
  name?: Pattern;
  cmdline?: Pattern;
  uid?: number;
  cgroup?: string;
}

interface CompiledRules {
  protect: CompiledMatcher[];
  prefer: CompiledMatcher[];
  avoid: CompiledMatcher[];
}

/** Compile an RE2 pattern; throws PolicyError with re2js's reason ("invalid or unsupported Perl syntax: `(?=`"). */
export function compilePattern(source: string, field: string): Pattern {
  try {
    return RE2JS.compile(source);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new PolicyError('bad-pattern', `${field} pattern /${source}/ is not a valid regular expression (RE2 syntax, matched in linear time: no lookaround, no backreferences): ${why}`);
  }
}

/** Compile one matcher; throws PolicyError for an empty matcher or a bad pattern. */
export function compileMatcher(m: ProcessMatcher): CompiledMatcher {
  const out: CompiledMatcher = {};
  if (m.name !== undefined) out.name = compilePattern(m.name, 'name');
  if (m.cmdline !== undefined) out.cmdline = compilePattern(m.cmdline, 'cmdline');
  if (m.uid !== undefined) {
    if (!Number.isInteger(m.uid) || m.uid < 0) throw new PolicyError('bad-matcher', `uid ${String(m.uid)} is not a uid`);
    out.uid = m.uid;
  }
  if (m.cgroup !== undefined) {
    if (!m.cgroup.startsWith('/')) throw new PolicyError('bad-matcher', `cgroup "${m.cgroup}" must start with "/"`);
    out.cgroup = m.cgroup;
  }
  if (Object.keys(out).length === 0) {
    throw new PolicyError('bad-matcher', 'a matcher needs at least one of name, cmdline, uid, cgroup');
  }
  return out;
}

const compiledCache = new WeakMap<ProtectionRules, CompiledRules>();

/** Compile (and cache per rules object) every matcher; throws PolicyError when one is bad. */
export function compileRules(rules: ProtectionRules): CompiledRules {
  const cached = compiledCache.get(rules);
  if (cached) return cached;
  const compiled: CompiledRules = {
    protect: rules.protect.map(compileMatcher),
    prefer: rules.prefer.map(compileMatcher),
    avoid: rules.avoid.map(compileMatcher),
  };
  compiledCache.set(rules, compiled);
  return compiled;
}

/** Every problem with the rules, one message each (for check-config); empty when valid. */
export function validateRules(rules: ProtectionRules): string[] {
  const problems: string[] = [];
  for (const kind of ['protect', 'prefer', 'avoid'] as const) {
    rules[kind].forEach((m, i) => {
      try {
        compileMatcher(m);
      } catch (e) {
        problems.push(`${kind}[${i}]: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }
  return problems;
}

/** "/user.slice" covers "/user.slice" and "/user.slice/app.scope", not "/user.slicer". */
export function cgroupPathCovers(prefix: string, path: string): boolean {
  if (prefix === '/' || prefix === '') return true;
  // Without allocating: a policy screens every process of the domain at every event.
  const len = prefix.charCodeAt(prefix.length - 1) === SLASH ? prefix.length - 1 : prefix.length;
  if (path.length < len || !path.startsWith(len === prefix.length ? prefix : prefix.slice(0, len))) return false;
  return path.length === len || path.charCodeAt(len) === SLASH;
}

/** Whether either cgroup path of the process (cgroup2, v1 memory) lies at or under `prefix`. */
export function eitherCgroupUnder(prefix: string, p: ProcessInfo): boolean {
  return (
    (p.cgroupV2 !== undefined && cgroupPathCovers(prefix, p.cgroupV2)) ||
    (p.memcgV1 !== undefined && cgroupPathCovers(prefix, p.memcgV1))
  );
}

/** All the fields a matcher gives must match (AND); matchers in a list combine with OR. */
export function matches(m: CompiledMatcher, p: ProcessInfo): boolean {
  if (m.name && !m.name.test(p.name)) return false;
  // cmdline as read from /proc has NUL separators; show them as spaces (types.ts).
  if (m.cmdline && !m.cmdline.test((p.cmdline ?? '').replace(/\0/g, ' ').trim())) return false;
  if (m.uid !== undefined && p.uid !== m.uid) return false;
  if (m.cgroup !== undefined && !eitherCgroupUnder(m.cgroup, p)) return false;
  return true;
}

function anyMatch(list: readonly CompiledMatcher[], p: ProcessInfo): boolean {
  for (const m of list) if (matches(m, p)) return true;
  return false;
}

/** A zombie or dead task has no address space left to free ("Z", "X", old "x"). */
function isZombie(p: ProcessInfo): boolean {
  return p.state === 'Z' || p.state === 'X' || p.state === 'x';
}

/**
 * Why this process may never be a victim, or undefined when it may be. Checked in this
 * order, so a process is reported under its most basic reason.
 */
export function protectionSkip(p: ProcessInfo, ctx: PolicyContext, rules: CompiledRules): SkipReason | undefined {
  if (p.pid === 1) return 'pid-1';
  if (ctx.selfPid !== undefined && p.pid === ctx.selfPid) return 'self';
  if (p.kernelThread) return 'kernel-thread';
  if (isZombie(p)) return 'zombie';
  if (p.exiting) return 'exiting';
  if (p.oomScoreAdj <= OOM_SCORE_ADJ_MIN) return 'adj-unkillable';
  if (ctx.rules.minAdj != null && p.oomScoreAdj < ctx.rules.minAdj) return 'min-adj';
  if (anyMatch(rules.protect, p)) return 'protected';
  return undefined;
}

/** A process matching both prefer and avoid is avoided: the safer reading of a conflict. */
export function tierOf(p: ProcessInfo, rules: CompiledRules): Tier {
  if (anyMatch(rules.avoid, p)) return 'avoid';
  if (anyMatch(rules.prefer, p)) return 'prefer';
  return 'normal';
}
