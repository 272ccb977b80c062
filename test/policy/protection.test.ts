// The shared protection module on its own: the order of the fixed rules, matchers, tiers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupPathCovers, compileRules, protectionSkip, tierOf, validateRules } from '../../src/policy/protection.js';
import { domainCgroupPath, inDomain } from '../../src/policy/domain.js';
import { ctx, proc, rules } from './build.js';

test('fixed rules come first and report the most basic reason', () => {
  const none = compileRules(rules({}));
  const c = ctx({ selfPid: 77 });
  assert.equal(protectionSkip(proc(1, { kernelThread: true }), c, none), 'pid-1');
  assert.equal(protectionSkip(proc(77, { oomScoreAdj: -1000 }), c, none), 'self');
  assert.equal(protectionSkip(proc(2, { kernelThread: true, state: 'I' }), c, none), 'kernel-thread');
  assert.equal(protectionSkip(proc(3, { state: 'Z', exiting: true }), c, none), 'zombie');
  assert.equal(protectionSkip(proc(4, { exiting: true }), c, none), 'exiting');
  assert.equal(protectionSkip(proc(5, { oomScoreAdj: -1000 }), c, none), 'adj-unkillable');
  assert.equal(protectionSkip(proc(6, { oomScoreAdj: -999 }), c, none), undefined);
});

test('a matcher needs all its fields to match; matchers in a list are alternatives', () => {
  const r = compileRules(rules({ protect: [{ name: '^java$', uid: 0 }, { cmdline: 'keep me' }] }));
  assert.equal(protectionSkip(proc(10, { name: 'java', uid: 0 }), ctx(), r), 'protected');
  assert.equal(protectionSkip(proc(11, { name: 'java', uid: 1000 }), ctx(), r), undefined);
  assert.equal(protectionSkip(proc(12, { cmdline: 'sh\0-c\0keep me\0' }), ctx(), r), 'protected', 'NULs read as spaces');
});

test('cgroup prefixes match whole path components', () => {
  assert.equal(cgroupPathCovers('/user.slice', '/user.slice'), true);
  assert.equal(cgroupPathCovers('/user.slice', '/user.slice/app.scope'), true);
  assert.equal(cgroupPathCovers('/user.slice/', '/user.slice/app.scope'), true);
  assert.equal(cgroupPathCovers('/user.slice', '/user.slicer'), false);
  assert.equal(cgroupPathCovers('/', '/anything'), true);
  const r = compileRules(rules({ protect: [{ cgroup: '/system.slice' }] }));
  assert.equal(protectionSkip(proc(1000, { memcgV1: '/system.slice/x' }), ctx(), r), 'protected', 'v1 path too');
});

test('tiers: prefer, normal, avoid; a process matching both is avoided', () => {
  const r = compileRules(rules({ prefer: [{ name: 'a' }], avoid: [{ name: 'b' }] }));
  assert.equal(tierOf(proc(1, { name: 'a' }), r), 'prefer');
  assert.equal(tierOf(proc(1, { name: 'c' }), r), 'normal');
  assert.equal(tierOf(proc(1, { name: 'ab' }), r), 'avoid');
});

test('validateRules names every bad matcher', () => {
  const problems = validateRules(rules({ protect: [{ name: '[' }], avoid: [{}, { cgroup: 'x' }] }));
  assert.equal(problems.length, 3);
  assert.match(problems[0] ?? '', /^protect\[0\]: name pattern/);
  assert.match(problems[1] ?? '', /^avoid\[0\]: a matcher needs at least one of/);
  assert.match(problems[2] ?? '', /^avoid\[1\]: cgroup "x" must start with "\/"/);
});

test('domain paths: mount points are stripped; processes without cgroup fields are inside', () => {
  assert.equal(domainCgroupPath('/sys/fs/cgroup/memory/apps/a'), '/apps/a');
  assert.equal(domainCgroupPath('/sys/fs/cgroup/unified/x'), '/x');
  assert.equal(domainCgroupPath('/sys/fs/cgroup/memory'), '/');
  assert.equal(domainCgroupPath('/apps'), '/apps');
  const cg = { path: '/sys/fs/cgroup/unified/x', usageKiB: 0, limitKiB: 10 };
  assert.equal(inDomain(proc(1), cg), true);
  assert.equal(inDomain(proc(1, { cgroupV2: '/x/y' }), cg), true);
  assert.equal(inDomain(proc(1, { cgroupV2: '/xy' }), cg), false);
  assert.equal(inDomain(proc(1, { cgroupV2: '/xy' }), undefined), true);
});
