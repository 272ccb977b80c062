// Property tests of the scope stage over random snapshots, histories, scope attributes and
// rules (fast-check), for every policy and both kill units: no process outside the chosen
// scope is ever a victim, an omitted scope is never chosen, an avoided one only when no
// other scope holds what the policy aims to free, and the conformance suite's invariants
// (never pid 1, itself, kernel threads, zombies, exiting, adj -1000 or protected) still hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { POLICIES } from '../../../src/policy/registry.js';
import { decideWithScopes } from '../../../src/policy/scope/decide.js';
import { addSample, EMPTY_HISTORY, type ScopeHistory } from '../../../src/policy/scope/history.js';
import { scopeOf } from '../../../src/policy/scope/members.js';
import { NO_SCOPES, type ScopeSettings } from '../../../src/policy/scope/settings.js';
import { POLICY_NAMES } from '../../../src/model/decision.js';
import type { ProcessInfo, ScopeAttrs, Snapshot } from '../../../src/model/snapshot.js';
import type { Policy, PolicyContext, ProtectionRules } from '../../../src/policy/types.js';
import { MiB, lowMemory } from '../build.js';

const SCOPES = ['/apps/a.scope', '/apps/b.scope', '/apps/c.scope', '/apps/d.scope'];
const CGROUPS = [...SCOPES, '/apps/b.scope/child', '/apps', '/system.slice/ssh.service', '/user.slice/x.scope'];
const ADJS = [-1000, -900, -1, 0, 1, 100, 500, 900, 1000];

const processArb = (pid: number): fc.Arbitrary<ProcessInfo> =>
  fc.record({
    pid: fc.constant(pid),
    name: fc.constantFrom('sshd', 'chrome', 'Xorg', 'java', 'leak'),
    state: fc.constantFrom('R', 'S', 'S', 'D', 'Z'),
    kernelThread: fc.constantFrom(false, false, false, true),
    exiting: fc.constantFrom(false, false, false, true),
    uid: fc.constantFrom(0, 1000, 1001),
    startTime: fc.integer({ min: 1, max: 1_000_000 }),
    oomScoreAdj: fc.constantFrom(...ADJS),
    rssAnonKiB: fc.integer({ min: 0, max: 200 * MiB }),
    rssFileKiB: fc.integer({ min: 0, max: 8 * MiB }),
    rssShmemKiB: fc.constant(0),
    swapKiB: fc.constant(0),
    oomScore: fc.integer({ min: 0, max: 2000 }),
    cgroupV2: fc.constantFrom(...CGROUPS),
  });

const attrsArb: fc.Arbitrary<ScopeAttrs[]> = fc.tuple(...SCOPES.map((path) =>
  fc.record({ path: fc.constant(path), oomdAvoid: fc.boolean(), oomdOmit: fc.constantFrom(false, false, true) })));

const snapshotArb: fc.Arbitrary<Snapshot> = fc.uniqueArray(fc.integer({ min: 1, max: 3000 }), { maxLength: 20 }).chain((ps) =>
  fc.record({
    version: fc.constant(1 as const),
    memory: fc.constant(lowMemory()),
    processes: fc.tuple(...ps.map(processArb)),
    scopes: attrsArb,
  }));

const settingsArb: fc.Arbitrary<ScopeSettings> = fc.record({
  killUnit: fc.constantFrom('process' as const, 'cgroup' as const),
  rank: fc.constantFrom('growth' as const, 'size' as const),
  protect: fc.subarray(['/apps/c.*']),
  avoid: fc.subarray(['/apps/d.scope']),
  prefer: fc.subarray(['/apps/b.*']),
}).map((s) => ({ ...NO_SCOPES, ...s, mode: 'cgroup' as const, root: '/sys/fs/cgroup/unified/apps' }));

const historyArb: fc.Arbitrary<ScopeHistory> = fc.array(fc.tuple(fc.constantFrom(...SCOPES), fc.integer({ min: 0, max: 400 * MiB })), { maxLength: 4 })
  .map((entries) => addSample(EMPTY_HISTORY, { atMs: 0, sizes: Object.fromEntries(entries) }, 10_000));

const rulesArb: fc.Arbitrary<ProtectionRules> = fc.record({
  protect: fc.subarray([{ name: '^sshd$' }, { uid: 0 }, { cgroup: '/apps/a.scope' }]),
  prefer: fc.subarray([{ name: '^java$' }]),
  avoid: fc.subarray([{ name: '^Xorg$' }]),
});

function mustNeverDie(p: ProcessInfo, c: PolicyContext): boolean {
  const isProtected = c.rules.protect.some((m) =>
    (m.name === undefined || new RegExp(m.name).test(p.name)) &&
    (m.uid === undefined || m.uid === p.uid) &&
    (m.cgroup === undefined || p.cgroupV2 === m.cgroup || (p.cgroupV2 ?? '').startsWith(`${m.cgroup}/`)));
  return p.pid === 1 || p.pid === c.selfPid || p.kernelThread || p.state === 'Z' || p.exiting || p.oomScoreAdj === -1000 || isProtected;
}

function paramsFor(name: string, policy: Policy<unknown, unknown>): unknown {
  const params = policy.defaultParams() as Record<string, unknown>;
  if (name === 'simple-lmk') params.minfreeKiB = 64 * MiB;
  return params;
}

const caseArb = snapshotArb.chain((s) => fc.tuple(
  fc.constant(s),
  settingsArb,
  historyArb,
  fc.record({ nowMs: fc.constant(5000), rules: rulesArb, selfPid: fc.constantFrom(...(s.processes.length ? s.processes.map((p) => p.pid) : [4242])) }),
));

for (const name of POLICY_NAMES) {
  test(`${name} with scopes: victims come only from the chosen scope; omitted never, avoided only when needed; protection holds`, () => {
    const policy = POLICIES[name] as Policy<unknown, unknown>;
    const params = paramsFor(name, policy);
    fc.assert(
      fc.property(caseArb, ([s, set, history, c]) => {
        const { decision: d } = decideWithScopes(policy, s, policy.initialState(), params, c, set, history);
        const byPid = new Map(s.processes.map((p) => [p.pid, p]));
        const chosen = d.scopes?.chosen;
        if (d.victims.length > 0) assert.ok(chosen !== undefined, 'victims only with a chosen scope');
        for (const v of d.victims) {
          const p = byPid.get(v.pid);
          assert.ok(p, `victim ${v.pid} is in the input`);
          assert.equal(scopeOf(p, '/apps'), chosen, `victim ${v.pid} (${p.cgroupV2 ?? ''}) is outside the chosen scope ${chosen ?? ''}`);
          assert.equal(v.scope, chosen);
          assert.ok(!mustNeverDie(p, c), `victim ${v.pid} must never die`);
        }
        const row = d.scopes?.ranking.find((r) => r.path === chosen);
        if (chosen !== undefined) {
          assert.notEqual(row?.tier, 'omit', 'an omitted scope is never chosen');
          if (row?.tier === 'avoid') {
            const plain = policy.decide(s, policy.initialState(), params, c);
            const need = plain.targetKiB ?? plain.victims.reduce((sum, v) => sum + v.sizeKiB, 0);
            for (const other of d.scopes?.ranking ?? []) {
              if (other.tier !== 'normal' && other.tier !== 'prefer') continue;
              const members = s.processes.filter((p) => scopeOf(p, '/apps') === other.path);
              const inner = policy.decide({ ...s, processes: members }, policy.initialState(), params, c);
              assert.ok(inner.victims.length === 0 || other.sizeKiB < need, `avoided ${chosen} chosen while ${other.path} (${other.sizeKiB} KiB) holds ${need} KiB`);
            }
          }
        }
        if (set.killUnit === 'cgroup' && d.scopes?.group !== undefined) assert.equal(d.scopes.group, chosen);
      }),
      { numRuns: 200 },
    );
  });
}
