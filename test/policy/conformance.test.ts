// One conformance suite, run against every policy in the registry (DESIGN.md example 5):
// the protection rules, victims ⊆ candidates, determinism, independence of input order,
// prefer/avoid, the memory domain, and state as a plain value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICIES } from '../../src/policy/registry.js';
import { POLICY_NAMES, type Decision, type PolicyName } from '../../src/model/decision.js';
import type { MemoryState, Snapshot } from '../../src/model/snapshot.js';
import type { Policy, PolicyContext } from '../../src/policy/types.js';
import { ctx, GiB, lowMemory, MiB, pids, proc, rules, shuffled, sized, snap } from './build.js';

const SELF = 4242;

/** Parameters under which each policy acts on lowMemory(): simple-lmk asks for more than
 * there is, so every candidate it may take dies — the hardest case for protection. */
function actingParams(name: PolicyName): unknown {
  const params = POLICIES[name].defaultParams() as Record<string, unknown>;
  if (name === 'simple-lmk') params.minfreeKiB = 1024 * GiB;
  return params;
}

function decide(name: PolicyName, snapshot: Snapshot, c: PolicyContext = ctx()): Decision {
  const policy = POLICIES[name] as Policy<unknown, unknown>;
  return policy.decide(snapshot, policy.initialState(), actingParams(name), c);
}

const PROTECTING = rules({
  protect: [{ name: '^sshd$' }, { uid: 0 }, { cgroup: '/system.slice' }, { cmdline: 'important\\.py' }],
});

/** Every process here is large and at adj 1000 unless it must not die. */
function hostile(mem: MemoryState = lowMemory()): Snapshot {
  const big = { oomScoreAdj: 1000, rssAnonKiB: 4 * GiB, oomScore: 2000 };
  return snap(
    [
      proc(1, { ...big, name: 'init', uid: 0 }),
      proc(SELF, { ...big, name: 'reapd' }),
      proc(2, { ...big, name: 'kthreadd', kernelThread: true, state: 'S' }),
      proc(50, { ...big, name: 'zombie', state: 'Z' }),
      proc(51, { ...big, name: 'dying', exiting: true }),
      proc(52, { ...big, oomScoreAdj: -1000, name: 'unkillable' }),
      proc(53, { ...big, name: 'sshd' }),
      proc(54, { ...big, name: 'rootd', uid: 0 }),
      proc(55, { ...big, name: 'svc', cgroupV2: '/system.slice/svc.service' }),
      proc(56, { ...big, name: 'python3', cmdline: 'python3\0/opt/important.py\0' }),
      sized(100, 0, 1),
      sized(101, 100, 2, { cgroupV2: '/system.slicer/x.scope' }),
    ],
    mem,
  );
}

const EXPECTED_SKIPS: Record<number, string> = {
  1: 'pid-1',
  [SELF]: 'self',
  2: 'kernel-thread',
  50: 'zombie',
  51: 'exiting',
  52: 'adj-unkillable',
  53: 'protected',
  54: 'protected',
  55: 'protected',
  56: 'protected',
};

function comparable(d: Decision): unknown {
  return { victims: d.victims, candidates: d.candidates, skipped: d.skipped, summary: d.summary, state: d.state };
}

for (const name of POLICY_NAMES) {
  describe(`conformance: ${name}`, () => {
    test('never chooses pid 1, itself, kernel threads, zombies, exiting, adj -1000 or protected processes', () => {
      const d = decide(name, hostile(), ctx({ selfPid: SELF, rules: PROTECTING }));
      assert.ok(d.victims.length > 0, `${name} should act on low memory: ${d.summary}`);
      for (const v of d.victims) assert.ok([100, 101].includes(v.pid), `victim ${v.pid} ${v.name}`);
      for (const [pid, reason] of Object.entries(EXPECTED_SKIPS)) {
        assert.equal(d.skipped.find((s) => s.pid === Number(pid))?.reason, reason, `pid ${pid}`);
      }
      assert.ok(!pids(d.candidates).some((p) => EXPECTED_SKIPS[p] !== undefined), 'no protected process is ranked');
    });

    test('victims are candidates, each once, with the candidate size', () => {
      const d = decide(name, hostile(), ctx({ selfPid: SELF }));
      const byPid = new Map(d.candidates.map((c) => [c.pid, c]));
      assert.equal(new Set(pids(d.victims)).size, d.victims.length);
      for (const v of d.victims) {
        assert.equal(byPid.get(v.pid)?.sizeKiB, v.sizeKiB, `victim ${v.pid} is a candidate of the same size`);
        assert.ok(v.why.length > 0 && v.reason !== 'none');
      }
      assert.deepEqual(pids(d.candidates.filter((c) => c.note?.startsWith('victim'))).sort(), pids(d.victims).sort());
    });

    test('is deterministic and independent of the input order of processes', () => {
      const s = hostile();
      const c = ctx({ selfPid: SELF, rules: PROTECTING });
      const first = comparable(decide(name, s, c));
      assert.deepEqual(comparable(decide(name, s, c)), first);
      for (let seed = 1; seed <= 6; seed++) {
        const permuted = { ...s, processes: shuffled(s.processes, seed) };
        assert.deepEqual(comparable(decide(name, permuted, c)), first, `seed ${seed}`);
      }
    });

    test('equal candidates are ordered by pid, whatever the input order', () => {
      const twins = [sized(300, 500, 8), sized(301, 500, 8), sized(302, 500, 8)];
      const a = decide(name, snap(twins, lowMemory()));
      const b = decide(name, snap([...twins].reverse(), lowMemory()));
      assert.deepEqual(pids(a.candidates), pids(b.candidates));
      assert.deepEqual(pids(a.victims), pids(b.victims));
      assert.equal(a.victims[0]?.pid, 300);
    });

    test('a prefer rule puts its match first, even at a lower adj and size', () => {
      const s = snap([sized(200, 900, 100), sized(201, 0, 1, { name: 'cache-warmer' })], lowMemory());
      const params = actingParams(name) as Record<string, unknown>;
      if (name === 'simple-lmk') params.minfreeKiB = MiB;
      const policy = POLICIES[name];
      const d = policy.decide(s, policy.initialState(), params, ctx({ rules: rules({ prefer: [{ name: '^cache-warmer$' }] }) }));
      assert.equal(d.victims[0]?.pid, 201, d.summary);
      assert.equal(d.candidates[0]?.pid, 201);
    });

    test('an avoid rule puts its match last, but it still dies when nothing else would do', () => {
      const params = actingParams(name) as Record<string, unknown>;
      if (name === 'simple-lmk') params.minfreeKiB = MiB;
      const policy = POLICIES[name];
      const avoid = ctx({ rules: rules({ avoid: [{ name: '^editor$' }] }) });
      const both = snap([sized(200, 900, 100, { name: 'editor' }), sized(201, 0, 1)], lowMemory());
      const d = policy.decide(both, policy.initialState(), params, avoid);
      assert.equal(d.victims[0]?.pid, 201, d.summary);
      assert.equal(d.candidates.at(-1)?.pid, 200);
      const alone = snap([sized(200, 900, 100, { name: 'editor' })], lowMemory());
      assert.equal(policy.decide(alone, policy.initialState(), params, avoid).victims[0]?.pid, 200);
    });

    test('in a cgroup domain, processes outside the cgroup are skipped', () => {
      const s = snap(
        [sized(10, 900, 50, { memcgV1: '/other' }), sized(11, 800, 20, { memcgV1: '/apps/a' }), sized(12, 700, 20, { memcgV1: '/apps' })],
        lowMemory({ freeKiB: 4 * GiB, availableKiB: 4 * GiB, cachedKiB: 2 * GiB }),
        { cgroup: { path: '/sys/fs/cgroup/memory/apps', usageKiB: 99 * MiB, limitKiB: 100 * MiB, fileKiB: 0 } },
      );
      const d = decide(name, s);
      assert.ok(d.victims.length > 0, `${name} acts on the cgroup's own numbers: ${d.summary}`);
      assert.ok(!pids(d.victims).includes(10));
      assert.equal(d.skipped.find((x) => x.pid === 10)?.reason, 'outside-domain');
      assert.equal(d.victims[0]?.pid, 11);
    });

    test('state is a plain value: it survives JSON and feeds the next decision', () => {
      const policy = POLICIES[name] as Policy<unknown, unknown>;
      const s = hostile();
      const d = policy.decide(s, policy.initialState(), actingParams(name), ctx({ nowMs: 5000, selfPid: SELF }));
      const state = JSON.parse(JSON.stringify(d.state)) as unknown;
      assert.deepEqual(state, d.state);
      const again = policy.decide(s, state, actingParams(name), ctx({ nowMs: 5000 + 60_000, selfPid: SELF }));
      assert.ok(again.victims.length > 0, 'a minute later the policy acts again');
    });

    test('has a name, a trigger, a trigger report and a parameter description', () => {
      const policy = POLICIES[name];
      assert.equal(policy.name, name);
      assert.ok(['pressure', 'threshold'].includes(policy.trigger));
      assert.ok(policy.describeParams(policy.defaultParams()).length > 0);
      const report = policy.explainTrigger?.(hostile(), policy.defaultParams());
      assert.ok(report && report.lines.length > 0);
      assert.equal(report.active, policy.needsAction(hostile(), policy.defaultParams()));
    });
  });
}
