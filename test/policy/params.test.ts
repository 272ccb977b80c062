// Parameters as people type them: every error names the input and what would be right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPolicy, POLICIES } from '../../src/policy/registry.js';
import { paramsFromText, parseLevels, parseLevelsDetailed, parseMatcher, parseMinfree } from '../../src/policy/params.js';
import { PolicyError } from '../../src/policy/errors.js';
import { POLICY_NAMES } from '../../src/model/decision.js';
import { MiB } from './build.js';

function fails(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof PolicyError && e.code === code && message.test(e.message));
}

test('levels: MINFREE:ADJ pairs with sizes in KiB, MiB, GiB or pages', () => {
  assert.deepEqual(parseLevels('6MiB:0,8MiB:100,16MiB:200,64MiB:900'), [
    { minfreeKiB: 6 * MiB, adj: 0 },
    { minfreeKiB: 8 * MiB, adj: 100 },
    { minfreeKiB: 16 * MiB, adj: 200 },
    { minfreeKiB: 64 * MiB, adj: 900 },
  ]);
  assert.deepEqual(parseLevels(' 1536p : 0 , 1GiB:-900 '), [
    { minfreeKiB: 6 * MiB, adj: 0 },
    { minfreeKiB: 1024 * MiB, adj: -900 },
  ]);
  assert.deepEqual(parseLevels('512KiB:100'), [{ minfreeKiB: 512, adj: 100 }]);
  assert.throws(() => parseLevels('512:100'), /has no unit/, 'a bare number is not a size (issue 11)');
});

test('levels: errors say what is wrong', () => {
  fails(() => parseLevels(''), 'bad-levels', /levels are empty/);
  fails(() => parseLevels('8MiB:0,6MiB:100'), 'bad-levels', /level 2: minfree 6\.0 MiB is not above level 1's 8\.0 MiB/);
  fails(() => parseLevels('6MiB:0,6MiB:100'), 'bad-levels', /must ascend/);
  fails(() => parseLevels('1p:0,2p:1,3p:2,4p:3,5p:4,6p:5,7p:6'), 'bad-levels', /7 levels given; at most 6/);
  fails(() => parseLevels('6XB:0'), 'bad-levels', /level 1: minfree "6XB" is not a size/);
  fails(() => parseLevels('6MiB'), 'bad-levels', /level 1 "6MiB" is not MINFREE:ADJ/);
  fails(() => parseLevels('6MiB:2000'), 'bad-levels', /adj 2000 is outside -1000\.\.1000/);
  fails(() => parseLevels('0:0'), 'bad-levels', /minfree must be more than 0/);
});

test('levels: the legacy conversion is reported', () => {
  const parsed = parseLevelsDetailed('6MiB:0,8MiB:1,16MiB:6,64MiB:12');
  assert.deepEqual(parsed.levels.map((l) => l.adj), [0, 58, 352, 705]);
  assert.deepEqual(parsed.legacy?.map((l) => l.adj), [0, 1, 6, 12]);
  assert.equal(parseLevelsDetailed('6MiB:0,64MiB:900').legacy, undefined);
});

test('minfree: a positive size', () => {
  assert.equal(parseMinfree('64MiB'), 64 * MiB);
  assert.equal(parseMinfree('16384p'), 64 * MiB);
  fails(() => parseMinfree('0'), 'bad-size', /must be more than 0/);
  fails(() => parseMinfree('lots'), 'bad-size', /minfree "lots" is not a size \(write a number and a unit: 64MiB/);
});

test('matchers: name, cmdline, uid, cgroup; a bare pattern is a name', () => {
  assert.deepEqual(parseMatcher('name:^sshd$'), { name: '^sshd$' });
  assert.deepEqual(parseMatcher('^sshd$'), { name: '^sshd$' });
  assert.deepEqual(parseMatcher('cmdline:--type=renderer'), { cmdline: '--type=renderer' });
  assert.deepEqual(parseMatcher('uid:1000'), { uid: 1000 });
  assert.deepEqual(parseMatcher('cgroup:/system.slice'), { cgroup: '/system.slice' });
  fails(() => parseMatcher('uid:root'), 'bad-matcher', /uid must be a number/);
  fails(() => parseMatcher('cgroup:system.slice'), 'bad-matcher', /must start with "\/"/);
  fails(() => parseMatcher('name:('), 'bad-pattern', /name pattern \/\(\/ is not a valid regular expression/);
  fails(() => parseMatcher('name:'), 'bad-matcher', /no value/);
});

test('paramsFromText: defaults, overrides, and options that do not apply', () => {
  assert.deepEqual(paramsFromText('simple-lmk', {}), POLICIES['simple-lmk'].defaultParams());
  assert.equal(paramsFromText('simple-lmk', { minfree: '128MiB', reclaimTimeout: '1s' }).reclaimTimeoutMs, 1000);
  assert.equal(paramsFromText('lmkd', { killTimeout: '2s', pick: 'lru' }).killTimeoutMs, 2000);
  assert.equal(paramsFromText('oom-score', { memAvailable: '5%', swapFree: '20' }).swapFreePercent, 20);
  fails(() => paramsFromText('lmkd', { minfree: '64MiB' }), 'param-not-applicable', /--minfree applies to simple-lmk, not lmkd/);
  fails(() => paramsFromText('lmkd', { pick: 'newest' }), 'bad-pick', /pick "newest" is not one of heaviest, lru/);
  fails(() => paramsFromText('oom-score', { memAvailable: '120' }), 'bad-number', /not a percentage from 0 to 100/);
  fails(() => paramsFromText('lowmemorykiller', { deathPending: 'soon' }), 'bad-duration', /death pending "soon" is not a duration/);
});

test('getPolicy: every registered name, and a helpful error for others', () => {
  for (const name of POLICY_NAMES) assert.equal(getPolicy(name).name, name);
  fails(() => getPolicy('earlyoom'), 'unknown-policy', /unknown policy "earlyoom" \(choose one of simple-lmk, lowmemorykiller, lmkd, oom-score\)/);
});
