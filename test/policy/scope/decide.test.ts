// The scope stage (src/policy/scope): which scope is chosen (the leaker, then size; omit,
// avoid, prefer; xattrs from the snapshot), what dies inside it, and that without scopes
// the decision is exactly the policy's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICIES } from '../../../src/policy/registry.js';
import { decideWithScopes, observeScopes } from '../../../src/policy/scope/decide.js';
import { EMPTY_HISTORY, addSample, growthKiB, type ScopeHistory } from '../../../src/policy/scope/history.js';
import { scopeOfPath } from '../../../src/policy/scope/members.js';
import { compileScopePattern, NO_SCOPES, type ScopeSettings } from '../../../src/policy/scope/settings.js';
import type { Policy } from '../../../src/policy/types.js';
import type { ScopeAttrs, Snapshot } from '../../../src/model/snapshot.js';
import { ctx, MiB, pids, sized, snap } from '../build.js';

const ROOT = '/sys/fs/cgroup/unified/apps';
const simple = POLICIES['simple-lmk'] as Policy<unknown, unknown>;
const params = { minfreeKiB: 32 * MiB, reclaimTimeoutMs: 200 };

function settings(over: Partial<ScopeSettings> = {}): ScopeSettings {
  return { ...NO_SCOPES, mode: 'cgroup', root: ROOT, ...over };
}

/** Five 120 MiB browser processes in one scope, one leaker of `leakMiB` in another. */
function desktop(leakMiB: number, scopes?: ScopeAttrs[]): Snapshot {
  const browser = [1, 2, 3, 4, 5].map((i) => sized(100 + i, 0, 120, { cgroupV2: '/apps/browser.scope', name: `tab${i}` }));
  const leak = sized(200, 0, leakMiB, { cgroupV2: '/apps/leak.scope/sub', name: 'leak' });
  return snap([...browser, leak], undefined, scopes ? { scopes } : {});
}

function decide(s: Snapshot, set: ScopeSettings | undefined, history: ScopeHistory = EMPTY_HISTORY, nowMs = 10_000) {
  return decideWithScopes(simple, s, {}, params, ctx({ nowMs }), set, history);
}

/** The history after a sample of `s` at time 0. */
function seen(s: Snapshot, set: ScopeSettings): ScopeHistory {
  return observeScopes(s, set, EMPTY_HISTORY, 0);
}

test('scope of a cgroup2 path: the child of the root that contains it', () => {
  assert.equal(scopeOfPath('/apps/leak.scope/sub/deeper', '/apps'), '/apps/leak.scope');
  assert.equal(scopeOfPath('/apps/leak.scope', '/apps'), '/apps/leak.scope');
  assert.equal(scopeOfPath('/apps', '/apps'), undefined, 'the root itself is no scope');
  assert.equal(scopeOfPath('/appsx/a', '/apps'), undefined);
  assert.equal(scopeOfPath('/user.slice/a.scope', '/'), '/user.slice');
});

test('scope patterns: * stays in one segment, ** crosses', () => {
  assert.ok(compileScopePattern('/kubepods.slice/*').test('/kubepods.slice/kubepods-pod1.slice'));
  assert.ok(!compileScopePattern('/kubepods.slice/*').test('/kubepods.slice/a/b'));
  assert.ok(compileScopePattern('/kubepods.slice/**').test('/kubepods.slice/a/b'));
  assert.ok(!compileScopePattern('/a.b').test('/axb'), 'dots are literal');
});

test('without scopes the decision is exactly the policy\'s: a 120 MiB browser process', () => {
  const s = desktop(80);
  const { decision } = decide(s, undefined);
  assert.deepEqual(decision, simple.decide(s, {}, params, ctx({ nowMs: 10_000 })));
  assert.equal(decision.victims.length, 1);
  assert.ok(decision.victims[0] && decision.victims[0].pid >= 101 && decision.victims[0].pid <= 105);
});

test('the leaker\'s scope is chosen although it is smaller than every browser process', () => {
  const set = settings();
  const history = seen(desktop(10), set);
  const { decision } = decide(desktop(80), set, history);
  assert.deepEqual(pids(decision.victims), [200]);
  assert.equal(decision.victims[0]?.scope, '/apps/leak.scope');
  assert.equal(decision.victims[0]?.scopeKiB, 80 * MiB);
  assert.match(decision.victims[0]?.scopeWhy ?? '', /grew 70\.0 MiB/);
  assert.equal(decision.scopes?.chosen, '/apps/leak.scope');
  assert.deepEqual(decision.scopes?.ranking.map((r) => r.path), ['/apps/leak.scope', '/apps/browser.scope']);
  assert.match(decision.summary, /^Scope \/apps\/leak\.scope/);
});

test('with no history (or rank "size") the largest scope is chosen, and the policy picks inside it', () => {
  const { decision } = decide(desktop(80), settings());
  assert.equal(decision.scopes?.chosen, '/apps/browser.scope');
  assert.equal(decision.victims.length, 1, 'simple-lmk frees minfree with one 120 MiB process');
  const sized = decide(desktop(80), settings({ rank: 'size' }), seen(desktop(10), settings()));
  assert.equal(sized.decision.scopes?.chosen, '/apps/browser.scope');
});

test('growth older than the window does not count; a scope first seen later counts from then', () => {
  let h = EMPTY_HISTORY;
  for (const t of [0, 1000, 2000]) h = addSample(h, { atMs: t, sizes: { '/a': t / 100 } }, 1000);
  h = addSample(h, { atMs: 3000, sizes: { '/a': 30, '/b': 3 } }, 1000);
  assert.deepEqual(h.samples.map((x) => x.atMs), [2000, 3000], 'the sample at the window\'s start is the baseline; older ones go');
  assert.equal(growthKiB(h, '/a', 50, 3500), 30);
  assert.equal(growthKiB(h, '/b', 50, 3500), 47);
  assert.equal(growthKiB(h, '/c', 50, 3500), null);
});

test('kill_unit "cgroup": every member of the chosen scope, largest anon first, with the group to kill', () => {
  const set = settings({ killUnit: 'cgroup' });
  const s = desktop(80);
  const { decision } = decide(s, set);
  assert.deepEqual(pids(decision.victims).sort(), [101, 102, 103, 104, 105]);
  assert.equal(decision.scopes?.group, '/apps/browser.scope');
  assert.ok(decision.victims.every((v) => v.scope === '/apps/browser.scope'));
});

test('kill_unit "cgroup" never takes a protected member (the kill path then avoids cgroup.kill)', () => {
  const s = desktop(80);
  s.processes.push(sized(106, -1000, 500, { cgroupV2: '/apps/browser.scope' }));
  const { decision } = decide(s, settings({ killUnit: 'cgroup' }));
  assert.ok(!pids(decision.victims).includes(106));
  assert.equal(decision.victims.length, 5);
});

test('user.oomd_omit: never chosen, even when nothing else could be', () => {
  const omitLeak = desktop(80, [{ path: '/apps/leak.scope', oomdOmit: true }]);
  const set = settings();
  const { decision } = decide(omitLeak, set, seen(desktop(10), set));
  assert.equal(decision.scopes?.chosen, '/apps/browser.scope');
  assert.match(decision.scopes?.ranking.find((r) => r.path === '/apps/leak.scope')?.note ?? '', /omitted \(xattr user\.oomd_omit\)/);
  const onlyLeak = snap([sized(200, 0, 80, { cgroupV2: '/apps/leak.scope' })], undefined, { scopes: [{ path: '/apps/leak.scope', oomdOmit: true }] });
  const none = decide(onlyLeak, set).decision;
  assert.deepEqual(none.victims, []);
  assert.match(none.summary, /omitted/);
});

test('user.oomd_avoid: passed over while another scope can free enough, chosen when none can', () => {
  const set = settings();
  const avoidLeak = desktop(80, [{ path: '/apps/leak.scope', oomdAvoid: true }]);
  assert.equal(decide(avoidLeak, set, seen(desktop(10), set)).decision.scopes?.chosen, '/apps/browser.scope');
  // Only a 10 MiB idle scope besides the avoided browser: it cannot free minfree (32 MiB).
  const s = snap([
    ...[1, 2].map((i) => sized(100 + i, 0, 120, { cgroupV2: '/apps/browser.scope' })),
    sized(300, 0, 10, { cgroupV2: '/apps/idle.scope' }),
  ], undefined, { scopes: [{ path: '/apps/browser.scope', oomdAvoid: true }] });
  const d = decide(s, set).decision;
  assert.equal(d.scopes?.chosen, '/apps/browser.scope');
  assert.match(d.scopes?.why ?? '', /chosen although avoided/);
  // With a 40 MiB scope that can free minfree, the avoided browser is left alone.
  s.processes.push(sized(301, 0, 40, { cgroupV2: '/apps/other.scope' }));
  assert.equal(decide(s, set).decision.scopes?.chosen, '/apps/other.scope', 'the first non-avoided scope in rank order');
});

test('scope_protect / scope_prefer / scope_avoid patterns', () => {
  const s = desktop(80);
  assert.equal(decide(s, settings({ protect: ['/apps/browser.*'] })).decision.scopes?.chosen, '/apps/leak.scope');
  assert.equal(decide(s, settings({ prefer: ['/apps/leak.scope'] })).decision.scopes?.chosen, '/apps/leak.scope');
  assert.equal(decide(s, settings({ avoid: ['/apps/browser.scope'] })).decision.scopes?.chosen, '/apps/leak.scope');
});

test('processes outside scope_root are single-process scopes', () => {
  const s = desktop(80);
  s.processes.push(sized(400, 0, 700, { cgroupV2: '/system.slice/big.service' }));
  const d = decide(s, settings()).decision;
  assert.equal(d.scopes?.chosen, 'pid:400');
  assert.deepEqual(pids(d.victims), [400]);
});

test('a scope\'s memory.current, where the snapshot has it, is its size', () => {
  const s = desktop(80, [{ path: '/apps/leak.scope', memoryCurrentKiB: 2000 * MiB }]);
  assert.equal(decide(s, settings()).decision.scopes?.chosen, '/apps/leak.scope');
});
