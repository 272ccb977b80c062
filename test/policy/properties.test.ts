// Property tests over random snapshots (fast-check): no protected process is ever chosen,
// victims are candidates, the order of the input does not matter; and Simple LMK's two
// promises — enough is freed whenever the candidates hold enough, and pass 2 leaves no
// smaller subset of pass 1's choice that would also free minfree (checked by brute force).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { POLICIES } from '../../src/policy/registry.js';
import { planSimpleLmk, type SimpleLmkParams } from '../../src/policy/simple-lmk.js';
import { POLICY_NAMES } from '../../src/model/decision.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import type { Policy, PolicyContext, ProtectionRules, RegistryEntry } from '../../src/policy/types.js';
import { ctx, MiB, pids, shuffled } from './build.js';

const NAMES = ['sshd', 'chrome', 'Xorg', 'a) Z (b', 'java', 'systemd'];
const CGROUPS = ['/system.slice/ssh.service', '/user.slice/app.scope', '/apps/a', '/apps'];
const ADJS = [-1000, -900, -1, 0, 1, 58, 100, 352, 705, 900, 1000];

const processArb = (pid: number): fc.Arbitrary<ProcessInfo> =>
  fc.record({
    pid: fc.constant(pid),
    name: fc.constantFrom(...NAMES),
    state: fc.constantFrom('R', 'S', 'D', 'Z', 'X', 'I'),
    kernelThread: fc.constantFrom(false, false, false, false, true),
    exiting: fc.boolean(),
    uid: fc.constantFrom(0, 1000, 1001),
    startTime: fc.integer({ min: 1, max: 1_000_000 }),
    oomScoreAdj: fc.constantFrom(...ADJS),
    rssAnonKiB: fc.integer({ min: 0, max: 64 * MiB }),
    rssFileKiB: fc.integer({ min: 0, max: 8 * MiB }),
    rssShmemKiB: fc.constantFrom(0, 0, 4, 1024),
    swapKiB: fc.constantFrom(0, 0, 512),
    oomScore: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    cgroupV2: fc.constantFrom(...CGROUPS),
    cmdline: fc.constantFrom('/usr/bin/x', 'python3\0important.py'),
  });

const snapshotArb = (maxProcs: number): fc.Arbitrary<Snapshot> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 0, maxLength: maxProcs }).chain((ps) =>
    fc.record({
      version: fc.constant(1 as const),
      memory: fc.record({
        totalKiB: fc.constant(8 * 1024 * MiB),
        freeKiB: fc.integer({ min: 0, max: 200 * MiB }),
        availableKiB: fc.integer({ min: 0, max: 2000 * MiB }),
        cachedKiB: fc.integer({ min: 0, max: 200 * MiB }),
        buffersKiB: fc.integer({ min: 0, max: 8 * MiB }),
        shmemKiB: fc.integer({ min: 0, max: 8 * MiB }),
        unevictableKiB: fc.integer({ min: 0, max: 8 * MiB }),
        swapCachedKiB: fc.integer({ min: 0, max: 8 * MiB }),
        swapTotalKiB: fc.constantFrom(0, 1024 * MiB),
        swapFreeKiB: fc.integer({ min: 0, max: 1024 * MiB }),
        reserveKiB: fc.integer({ min: 0, max: 20 * MiB }),
      }),
      processes: fc.tuple(...ps.map(processArb)),
    }),
  );

const rulesArb: fc.Arbitrary<ProtectionRules> = fc.record({
  protect: fc.subarray([{ name: '^sshd$' }, { uid: 0 }, { cgroup: '/system.slice' }, { cmdline: 'important' }]),
  prefer: fc.subarray([{ name: '^java$' }, { cgroup: '/apps' }]),
  avoid: fc.subarray([{ name: '^Xorg$' }, { uid: 1001 }]),
});

/** The rules restated independently of src/policy/protection.ts. */
function mustNeverDie(p: ProcessInfo, c: PolicyContext): boolean {
  const cmd = (p.cmdline ?? '').replace(/\0/g, ' ');
  const isProtected = c.rules.protect.some(
    (m) =>
      (m.name === undefined || new RegExp(m.name).test(p.name)) &&
      (m.cmdline === undefined || new RegExp(m.cmdline).test(cmd)) &&
      (m.uid === undefined || m.uid === p.uid) &&
      (m.cgroup === undefined || (p.cgroupV2 ?? '') === m.cgroup || (p.cgroupV2 ?? '').startsWith(`${m.cgroup}/`)),
  );
  return (
    p.pid === 1 || p.pid === c.selfPid || p.kernelThread || ['Z', 'X'].includes(p.state) || p.exiting ||
    p.oomScoreAdj === -1000 || isProtected
  );
}

const contextArb = (s: Snapshot): fc.Arbitrary<PolicyContext> =>
  fc.record({
    nowMs: fc.integer({ min: 0, max: 1e9 }),
    selfPid: fc.constantFrom(...(s.processes.length > 0 ? pids(s.processes) : [4242])),
    rules: rulesArb,
    registry: fc.subarray(s.processes).map(
      (ps) => new Map<number, RegistryEntry>(ps.map((p, i) => [p.pid, { pid: p.pid, uid: p.uid, oomScoreAdj: p.oomScoreAdj, processType: 0, registeredAtMs: i }])),
    ),
  });

const caseArb = snapshotArb(24).chain((s) => fc.tuple(fc.constant(s), contextArb(s), fc.integer({ min: 1, max: 1 << 30 })));

for (const name of POLICY_NAMES) {
  test(`${name}: no protected process is ever chosen; victims are candidates; input order does not matter`, () => {
    const policy = POLICIES[name] as Policy<unknown, unknown>;
    const params = policy.defaultParams();
    fc.assert(
      fc.property(caseArb, ([s, c, seed]) => {
        const d = policy.decide(s, policy.initialState(), params, c);
        const byPid = new Map(s.processes.map((p) => [p.pid, p]));
        for (const v of d.victims) assert.ok(!mustNeverDie(byPid.get(v.pid) as ProcessInfo, c), `victim ${v.pid}`);
        const candidatePids = new Set(pids(d.candidates));
        for (const v of d.victims) assert.ok(candidatePids.has(v.pid));
        assert.equal(d.candidates.length + d.skipped.length, s.processes.length, 'every process is ranked or skipped');
        const permuted = policy.decide({ ...s, processes: shuffled(s.processes, seed) }, policy.initialState(), params, c);
        assert.deepEqual(permuted.victims, d.victims);
        assert.deepEqual(permuted.candidates, d.candidates);
        assert.deepEqual(permuted.skipped, d.skipped);
      }),
      { numRuns: 150 },
    );
  });
}

/** Every subset of `items` (small inputs only). */
function* subsets<T>(items: readonly T[]): Generator<T[]> {
  for (let mask = 0; mask < 1 << items.length; mask++) yield items.filter((_, i) => (mask >> i) & 1);
}

test('simple-lmk: victims free at least minfree whenever the candidates can, and pass 2 kills as few as possible', () => {
  const minfreeArb = fc.integer({ min: 1, max: 200 * MiB });
  fc.assert(
    fc.property(snapshotArb(12), minfreeArb, (s, minfreeKiB) => {
      const params: SimpleLmkParams = { minfreeKiB, reclaimTimeoutMs: 200 };
      const plan = planSimpleLmk(s, params, ctx());
      const total = plan.candidates.reduce((sum, c) => sum + c.sizeKiB, 0);
      const freed = plan.selection.victims.reduce((sum, c) => sum + c.sizeKiB, 0);
      if (total >= minfreeKiB) assert.ok(freed >= minfreeKiB, `freed ${freed} < minfree ${minfreeKiB} of ${total}`);
      else assert.equal(plan.selection.victims.length, plan.candidates.length, 'not enough: everyone dies');
      for (const v of plan.selection.victims) assert.ok(plan.selection.passOne.includes(v), 'victims come from pass 1');
      if (plan.selection.mode === 'two-pass') {
        for (const subset of subsets(plan.selection.passOne)) {
          if (subset.length >= plan.selection.victims.length) continue;
          const sum = subset.reduce((acc, c) => acc + c.sizeKiB, 0);
          assert.ok(sum < minfreeKiB, `a smaller subset of pass 1 (${subset.length} < ${plan.selection.victims.length}) frees ${sum}`);
        }
      }
      const d = POLICIES['simple-lmk'].decide(s, {}, params, ctx());
      assert.deepEqual(pids(d.victims), plan.selection.victims.map((c) => c.p.pid));
    }),
    { numRuns: 300 },
  );
});

// Policy.sizesUsed's promise, on which the daemon's lazily read sizes rest (engine
// decideOnFreshSizes): a decision depends on no size outside the processes it names.
// The kernel source serves a size from an earlier read only where that read found
// resident pages, so those are the sizes that may differ now — to anything, zero included.
const sizesArb = fc.record({
  rssAnonKiB: fc.integer({ min: 0, max: 64 * MiB }),
  rssFileKiB: fc.integer({ min: 0, max: 8 * MiB }),
  rssShmemKiB: fc.constantFrom(0, 4),
  swapKiB: fc.constantFrom(0, 512),
});
const withPolicySizes = POLICY_NAMES.filter((n) => POLICIES[n].sizesUsed !== undefined);

test('sizesUsed is declared by simple-lmk, lowmemorykiller and lmkd (oom-score ranks by oom_score, which moves with every size)', () => {
  assert.deepEqual([...withPolicySizes].sort(), ['lmkd', 'lowmemorykiller', 'simple-lmk']);
});

for (const name of withPolicySizes) {
  test(`${name}: changing the size of a process outside sizesUsed never changes the victims`, () => {
    const policy = POLICIES[name] as Policy<unknown, unknown>;
    const sizesUsed = policy.sizesUsed as NonNullable<typeof policy.sizesUsed>;
    let changedSomething = 0;
    fc.assert(
      fc.property(caseArb, fc.array(sizesArb, { minLength: 24, maxLength: 24 }), fc.integer({ min: 1, max: 400 * MiB }), ([s, c], sizes, minfreeKiB) => {
        const params = policy.defaultParams();
        if (name === 'simple-lmk') (params as SimpleLmkParams).minfreeKiB = minfreeKiB;
        const d = policy.decide(s, policy.initialState(), params, c);
        const used = sizesUsed(s, d, params, c);
        for (const v of d.victims) assert.ok(used(s.processes.find((p) => p.pid === v.pid) as ProcessInfo), `victim ${v.pid} is among the sizes used`);
        const processes = s.processes.map((p, i) => {
          if (used(p) || p.rssAnonKiB + p.rssFileKiB + p.rssShmemKiB <= 0) return p;
          changedSomething++;
          return { ...p, ...(sizes[i] as typeof sizes[number]) };
        });
        const again = policy.decide({ ...s, processes }, policy.initialState(), params, c);
        assert.deepEqual(again.victims, d.victims);
      }),
      { numRuns: 400 },
    );
    assert.ok(changedSomething > 100, `the property changed sizes only ${changedSomething} times`);
  });
}
