import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonPages, parseStatm, parseStatmBytes } from '../../../src/kernel/parse/statm.js';
import { parseOomScore, parseOomScoreAdj, parseOomScoreAdjBytes } from '../../../src/kernel/parse/oom.js';
import { parseProcCgroup } from '../../../src/kernel/parse/cgroup.js';
import { parseProcStatus } from '../../../src/kernel/parse/status.js';
import { fixtureBytes, fixtureText, processKinds } from './fixtures.js';

test('statm: resident − shared is RssAnon and shared is RssFile + RssShmem (every fixture)', () => {
  for (const kind of processKinds()) {
    const m = parseStatmBytes(fixtureBytes(kind, 'statm'));
    const s = parseProcStatus(fixtureText(kind, 'status'));
    assert.ok(m && s, kind);
    if (s.rssAnonKiB === undefined) {
      assert.equal(m.residentPages, 0, `${kind}: no mm, no pages`);
      continue;
    }
    // The two files were read a few µs apart; the hog and sleepers do not change in between.
    assert.equal(anonPages(m) * 4, s.rssAnonKiB, `${kind}: anon`);
    assert.equal(m.sharedPages * 4, (s.rssFileKiB ?? 0) + (s.rssShmemKiB ?? 0), `${kind}: shared`);
  }
});

test('statm: broken text', () => {
  assert.equal(parseStatm('1 2'), undefined);
  assert.equal(parseStatm('a b c'), undefined);
  assert.equal(parseStatm('1 2 -3'), undefined);
  assert.deepEqual(parseStatm('10 5 2\n'), { sizePages: 10, residentPages: 5, sharedPages: 2, textPages: 0, dataPages: 0 });
  assert.equal(parseStatm('1 2 3x 4'), undefined, 'a field glued to junk is not a number');
  assert.equal(anonPages({ sizePages: 1, residentPages: 1, sharedPages: 3, textPages: 0, dataPages: 0 }), 0);
});

test('oom_score_adj and oom_score', () => {
  assert.equal(parseOomScoreAdj(fixtureText('hog-adj500', 'oom_score_adj')), 500);
  assert.ok((parseOomScore(fixtureText('hog-adj500', 'oom_score')) ?? 0) > 1000 - 1, 'adj 500 lifts the score to ≥ 1000');
  assert.equal(parseOomScore(fixtureText('zombie', 'oom_score')), 0);
  assert.equal(parseOomScoreAdj('-1000\n'), -1000);
  assert.equal(parseOomScoreAdj('1000'), 1000);
  for (const bad of ['1001', '-1001', '', '5 5', 'x', '--1', '12abc']) assert.equal(parseOomScoreAdj(bad), undefined, bad);
  assert.equal(parseOomScore('-1'), undefined);
  assert.equal(parseOomScoreAdjBytes(Buffer.from('300\nstale'), 4), 300);
});

test('cgroup file: v1 memory/freezer and the cgroup2 path', () => {
  const hog = parseProcCgroup(fixtureText('hog-adj500', 'cgroup'));
  assert.equal(hog?.memoryV1, '/reapd-capture');
  assert.equal(hog?.freezerV1, '/');
  assert.equal(hog?.v2, '/');
  assert.equal(hog?.v1['name=systemd'], '/');
  const odd = parseProcCgroup('12:cpu,cpuacct:/a:b\n0::/x (deleted)\n4:memory:/m\nbogus\n');
  assert.equal(odd?.v1.cpu, '/a:b');
  assert.equal(odd?.v1.cpuacct, '/a:b');
  assert.equal(odd?.v2, '/x (deleted)');
  assert.equal(odd?.memoryV1, '/m');
  assert.equal(parseProcCgroup(''), undefined);
  assert.equal(parseProcCgroup('x:memory:/a'), undefined);
  assert.deepEqual(parseProcCgroup('0::/only.slice\n'), { v1: {}, v2: '/only.slice' });
});
