// Issue 11 item 5: rule patterns are RE2, matched in linear time; what RE2 cannot match
// in linear time (lookaround, backreferences) is refused at load with key and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';
import { compileMatcher, matches } from '../../src/policy/protection.js';
import type { ProcessInfo } from '../../src/model/snapshot.js';

test('rules are RE2: lookaround and backreferences are errors with key and line, not a slower engine', () => {
  const r = checkConfigText('[[rules.protect]]\nname = "(?=a)b"\n[[rules.avoid]]\ncmdline = \'(a)\\1\'\n', 'x.toml');
  assert.deepEqual(r.issues.map((i) => [i.key, i.line]), [['rules.protect[1].name', 2], ['rules.avoid[1].cmdline', 4]]);
  assert.match(String(r.issues[0]?.message), /RE2 syntax, matched in linear time/);
});

test('the pathological pattern and input of the issue match (or not) like the JavaScript engine, at once', () => {
  const m = compileMatcher({ cmdline: '^(\\w+\\s?)*$' });
  const p = (cmdline: string): ProcessInfo => ({ pid: 9, name: 'x', state: 'S', kernelThread: false, exiting: false, uid: 0, startTime: 1,
    oomScoreAdj: 0, rssAnonKiB: 0, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0, cmdline });
  // "a"×34 + "!": about 2^34 steps for a backtracking engine; this test would not end.
  assert.equal(matches(m, p(`${'a'.repeat(34)}!\x00600`)), false);
  assert.equal(matches(m, p(`${'a '.repeat(2000)}!`)), false);
  assert.equal(matches(m, p('sleep 600')), true);
  assert.equal(matches(compileMatcher({ name: 'chrom(e|ium)' }), { ...p(''), name: 'chromium' }), true);
});
