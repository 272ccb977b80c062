// protect / prefer / avoid lists: arrays of matcher tables, in [rules] (every domain) and
// in a [[domain]] (that domain only). Example:
//   [[rules.protect]]
//   name = "^(sshd|systemd-journal)$"
//   [[rules.prefer]]
//   cmdline = "chrom(e|ium) --type=renderer"
import { compileMatcher, compilePattern } from '../policy/protection.js';
import type { ProcessMatcher, ProtectionRules } from '../policy/types.js';
import type { KeyPath } from './locate.js';
import { MATCHER_KEYS, RULE_LISTS } from './schema.js';
import { unknownKeyMessage } from './suggest.js';
import { describe, readInteger, readString } from './values.js';

export interface IssueSink {
  add(path: KeyPath, message: string): void;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A pattern the policy layer can compile (RE2 syntax, matched in linear time). */
function readRegex(v: unknown, field: string): string | { message: string } {
  const s = readString(v);
  if (!s.ok) return { message: s.message };
  try {
    compilePattern(s.value, field);
    return s.value;
  } catch (e) {
    return { message: (e as Error).message };
  }
}

function readMatcher(raw: unknown, path: KeyPath, issues: IssueSink): ProcessMatcher | undefined {
  if (!isTable(raw)) {
    issues.add(path, `expected a table such as { name = "^sshd$" }, got ${describe(raw)}`);
    return undefined;
  }
  const m: ProcessMatcher = {};
  let bad = false;
  for (const [key, value] of Object.entries(raw)) {
    const at = [...path, key];
    const fail = (message: string): void => {
      issues.add(at, message);
      bad = true;
    };
    if (key === 'name' || key === 'cmdline') {
      const r = readRegex(value, key);
      if (typeof r === 'string') m[key] = r;
      else fail(r.message);
    } else if (key === 'uid') {
      const r = readInteger(value, 0, 2 ** 32 - 1);
      if (r.ok) m.uid = r.value;
      else fail(r.message);
    } else if (key === 'cgroup') {
      const r = readString(value);
      if (r.ok) m.cgroup = r.value;
      else fail(r.message);
    } else {
      issues.add(at, unknownKeyMessage(key, MATCHER_KEYS));
      bad = true;
    }
  }
  if (!bad && Object.keys(m).length === 0) {
    issues.add(path, `an empty matcher would match every process; give at least one of ${MATCHER_KEYS.join(', ')}`);
    return undefined;
  }
  if (bad) return undefined;
  try {
    compileMatcher(m); // the policy layer's own check (e.g. a cgroup must start with "/")
  } catch (e) {
    issues.add(path, (e as Error).message);
    return undefined;
  }
  return m;
}

/** Reads the protect/prefer/avoid lists present in `table` (other keys are left to the caller). */
export function readRules(table: Record<string, unknown>, path: KeyPath, issues: IssueSink): ProtectionRules {
  const rules: { protect: ProcessMatcher[]; prefer: ProcessMatcher[]; avoid: ProcessMatcher[] } = { protect: [], prefer: [], avoid: [] };
  for (const list of RULE_LISTS) {
    const raw = table[list];
    if (raw === undefined) continue;
    if (!Array.isArray(raw)) {
      issues.add([...path, list], `expected an array of tables ([[${[...path, list].filter((s) => typeof s === 'string').join('.')}]]), got ${describe(raw)}`);
      continue;
    }
    raw.forEach((item, i) => {
      const m = readMatcher(item, [...path, list, i], issues);
      if (m) rules[list].push(m);
    });
  }
  return rules;
}

export function mergeRules(a: ProtectionRules, b: ProtectionRules): ProtectionRules {
  return { protect: [...a.protect, ...b.protect], prefer: [...a.prefer, ...b.prefer], avoid: [...a.avoid, ...b.avoid] };
}

export { isTable };
