import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';
import type { DomainConfig } from '../../src/config/types.js';
import { planForPolicy, PlanError, samePlan, type TriggerPlan } from '../../src/daemon/trigger-plan.js';
import type { DomainKind } from '../../src/model/memory-view.js';
import { POLICIES } from '../../src/policy/registry.js';

function domain(toml: string): DomainConfig {
  const r = checkConfigText(`[[domain]]\n${toml}`, 't.toml');
  assert.deepEqual(r.issues, []);
  const d = r.config?.domains[0];
  assert.ok(d);
  return d;
}

/** The plan the daemon arms for this domain's own policy. */
const plan = (d: DomainConfig, where: DomainKind, psi = true): TriggerPlan => planForPolicy(d, POLICIES[d.policy], where, { psi });

const kinds = (d: DomainConfig, where: DomainKind, psi = true): string[] =>
  plan(d, where, psi).sources.map((s) =>
    s.kind === 'memcg' ? `memcg:${s.event}` : s.kind === 'psi' ? `psi:${s.path}` : s.kind === 'memory-events' ? `events:${s.group}` : 'poll');

test('pressure policies: PSI on the machine and on cgroup2 groups, eventfds on a v1 memcg', () => {
  assert.deepEqual(kinds(domain('policy = "simple-lmk"'), 'machine'), ['psi:/proc/pressure/memory']);
  assert.deepEqual(kinds(domain('policy = "simple-lmk"\nmemcg = "/sys/fs/cgroup/unified/g"'), 'cgroup2'), ['psi:/sys/fs/cgroup/unified/g/memory.pressure']);
  assert.deepEqual(kinds(domain('policy = "simple-lmk"\nmemcg = "/sys/fs/cgroup/memory/m"'), 'memcg-v1'), ['memcg:critical', 'memcg:oom']);
  assert.deepEqual(
    kinds(domain('policy = "simple-lmk"\nmemcg = "/sys/fs/cgroup/memory/m"\npsi_group = "/sys/fs/cgroup/unified/m"'), 'memcg-v1'),
    ['psi:/sys/fs/cgroup/unified/m/memory.pressure'],
  );
});

test('threshold policies poll; a v1 memcg adds under_oom', () => {
  assert.deepEqual(kinds(domain('policy = "oom-score"'), 'machine'), ['poll']);
  assert.deepEqual(kinds(domain('policy = "lowmemorykiller"\nmemcg = "/sys/fs/cgroup/memory/m"'), 'memcg-v1'), ['poll', 'memcg:oom']);
  assert.deepEqual(
    kinds(domain('policy = "lmkd"\nmemcg = "/sys/fs/cgroup/memory/m"\npsi_group = "/sys/fs/cgroup/unified/m"'), 'memcg-v1'),
    ['poll', 'memcg:oom', 'psi:/sys/fs/cgroup/unified/m/memory.pressure'],
  );
});

test('the PSI trigger carries the configured kind, stall and window in µs', () => {
  const d = domain('policy = "simple-lmk"\npsi_kind = "full"\npsi_stall = "150ms"\npsi_window = "2s"');
  const [s] = plan(d, 'machine').sources;
  assert.deepEqual(s, { kind: 'psi', path: '/proc/pressure/memory', psiKind: 'full', stallUs: 150_000, windowUs: 2_000_000 });
});

test('impossible plans say why: no PSI, psi on a v1 memcg without psi_group', () => {
  assert.throws(() => plan(domain('policy = "simple-lmk"'), 'machine', false), (e: unknown) => e instanceof PlanError && e.kind === 'unsupported');
  assert.throws(
    () => plan(domain('policy = "simple-lmk"\nmemcg = "/m"\ntrigger = "psi"'), 'memcg-v1'),
    (e: unknown) => e instanceof PlanError && e.kind === 'config' && /psi_group/.test(e.message),
  );
  assert.throws(() => plan(domain('policy = "lmkd"\nmemcg = "/m"\ntrigger = "memcg-events"'), 'cgroup2'), PlanError);
});

test('samePlan: only the sources matter', () => {
  const a = plan(domain('policy = "oom-score"'), 'machine');
  const b = plan(domain('policy = "oom-score"\nmem_available = 3'), 'machine');
  const c = plan(domain('policy = "oom-score"\npoll_max_interval = "500ms"'), 'machine');
  assert.ok(samePlan(a, b));
  assert.ok(!samePlan(a, c));
});

test('a cgroup2 group with the memory controller always arms memory.events (the kernel OOM-kills at memory.max without waiting for PSI)', () => {
  const g = 'memcg = "/sys/fs/cgroup/g"';
  assert.deepEqual(kinds(domain(`policy = "simple-lmk"\n${g}`), 'cgroup2-memory'), ['psi:/sys/fs/cgroup/g/memory.pressure', 'events:/sys/fs/cgroup/g']);
  assert.deepEqual(kinds(domain(`policy = "simple-lmk"\n${g}`), 'cgroup2-memory', false), ['events:/sys/fs/cgroup/g'], 'no PSI: memory.events alone, no error');
  for (const p of ['lowmemorykiller', 'lmkd', 'oom-score']) {
    assert.deepEqual(kinds(domain(`policy = "${p}"\n${g}`), 'cgroup2-memory'), ['poll', 'events:/sys/fs/cgroup/g'], p);
  }
  assert.deepEqual(kinds(domain(`policy = "oom-score"\n${g}\ntrigger = "poll"`), 'cgroup2-memory'), ['poll', 'events:/sys/fs/cgroup/g']);
  assert.deepEqual(kinds(domain(`policy = "simple-lmk"\n${g}\ntrigger = "memcg-events"`), 'cgroup2-memory'), ['events:/sys/fs/cgroup/g']);
  assert.deepEqual(kinds(domain(`policy = "simple-lmk"\n${g}\ntrigger = "psi"`), 'cgroup2-memory'), ['psi:/sys/fs/cgroup/g/memory.pressure'], 'an explicit "psi" is PSI only');
  assert.throws(() => kinds(domain(`policy = "simple-lmk"\n${g}\ntrigger = "memcg-events"`), 'cgroup2'), PlanError, 'no memory controller: no memory.events');
});

test('a threshold policy\'s poller is woken by PSI stalls where the domain has a pressure file (issue 18 item 4)', () => {
  const wakeOf = (toml: string, where: DomainKind, psi = true): string | undefined => {
    const s = plan(domain(toml), where, psi).sources.find((x) => x.kind === 'poll');
    return s?.kind === 'poll' ? s.wake?.path : undefined;
  };
  assert.equal(wakeOf('policy = "oom-score"', 'machine'), '/proc/pressure/memory');
  assert.equal(wakeOf('policy = "lowmemorykiller"\nmemcg = "/sys/fs/cgroup/unified/g"', 'cgroup2'), '/sys/fs/cgroup/unified/g/memory.pressure');
  assert.equal(wakeOf('policy = "oom-score"\nmemcg = "/sys/fs/cgroup/g"', 'cgroup2-memory'), '/sys/fs/cgroup/g/memory.pressure');
  assert.equal(wakeOf('policy = "oom-score"', 'machine', false), undefined, 'no PSI: the poller alone');
  assert.equal(wakeOf('policy = "oom-score"\ntrigger = "poll"', 'machine'), undefined, 'trigger = "poll": the poller alone');
  assert.equal(wakeOf('policy = "lowmemorykiller"\nmemcg = "/sys/fs/cgroup/memory/m"', 'memcg-v1'), undefined, 'a v1 memcg has no pressure file of its own');
  const machine = plan(domain('policy = "oom-score"'), 'machine');
  assert.equal(machine.sources.length, 1, 'the wake is part of the poller, not a source that acts');
  assert.match(machine.why, /woken early by PSI/);
  const poll = machine.sources[0];
  assert.equal(poll?.kind === 'poll' ? poll.minMs : undefined, 10, 'the default floor: 10 ms near the threshold');
});

test('lmkd psi with available_low_percentage arms the adaptive poll beside its PSI triggers, its events at level "poll"; without it PSI only', () => {
  const psi = 'policy = "lmkd"\nmode = "psi"';
  const on = planForPolicy(domain(`${psi}\navailable_low_percentage = 5`), POLICIES.lmkd, 'machine', { psi: true });
  assert.deepEqual(on.sources.map((s) => s.kind), ['psi', 'psi', 'poll']);
  assert.deepEqual(on.sources.filter((s) => s.kind === 'poll').map((s) => s.kind === 'poll' && s.level), ['poll']);
  assert.match(on.why, /between them the adaptive poll/);
  const off = planForPolicy(domain(psi), POLICIES.lmkd, 'machine', { psi: true });
  assert.deepEqual(off.sources.map((s) => s.kind), ['psi', 'psi']);
  // A kernel without PSI: the backstop alone, and it says why; without the backstop it is an error.
  const noPsi = planForPolicy(domain(`${psi}\navailable_low_percentage = 5`), POLICIES.lmkd, 'machine', { psi: false });
  assert.deepEqual(noPsi.sources.map((s) => s.kind), ['poll']);
  assert.match(noPsi.why, /PSI is not available.*psi=1/);
  assert.throws(() => planForPolicy(domain(psi), POLICIES.lmkd, 'machine', { psi: false }), (e: unknown) => e instanceof PlanError && e.kind === 'unsupported');
});
