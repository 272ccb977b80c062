import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';
import type { DomainConfig } from '../../src/config/types.js';
import { LiveDomain } from '../../src/daemon/live-domain.js';
import type { FdPoller } from '../../src/kernel/fd-poller.js';
import { POLICIES } from '../../src/policy/registry.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { CapturedLog, FakeClock, FakeKiller, FakeSource, FakeTrigger, MemoryJournal, memory, proc, settle, simpleKill } from './fakes.js';

function config(toml: string, flags = {}): DomainConfig {
  const r = checkConfigText(toml, 'd.toml', flags);
  assert.deepEqual(r.issues, []);
  const d = r.config?.domains[0];
  assert.ok(d);
  return d;
}

function setup(cfg: DomainConfig, processes = [proc(10, 0, 100), proc(11, 500, 60), proc(12, 900, 30)], extra: Partial<ConstructorParameters<typeof LiveDomain>[1]> = {}) {
  const clock = new FakeClock();
  const log = new CapturedLog();
  const killer = new FakeKiller(clock);
  const journal = new MemoryJournal();
  const source = new FakeSource({ version: 1, memory: memory(), processes });
  const triggers: FakeTrigger[] = [];
  const domain = new LiveDomain(cfg, {
    logger: log.logger, clock, killer, journal, poller: {} as FdPoller, selfPid: 1, psiAvailable: true, kind: 'machine', source,
    formatKill: simpleKill,
    makeTrigger: (s: PlannedSource) => {
      const t = new FakeTrigger(s);
      triggers.push(t);
      return t;
    },
    ...extra,
  });
  return { clock, log, killer, journal, source, triggers, domain };
}

test('a pressure event runs one reclaim: the policy decides, the killer kills, the journal and the log record it', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"\nminfree = "64MiB"');
  const { log, killer, journal, triggers, domain } = setup(cfg);
  domain.start();
  assert.deepEqual(triggers.map((t) => t.planned.kind), ['psi']);
  triggers[0]?.fire('critical', 1000);
  await settle();
  // What the policy itself decides for the same snapshot.
  const expected = POLICIES['simple-lmk'].decide(
    { version: 1, memory: memory(), processes: [proc(10, 0, 100), proc(11, 500, 60), proc(12, 900, 30)] },
    {}, cfg.params, { nowMs: 1000, selfPid: 1, rules: cfg.rules },
  ).victims.map((v) => v.pid);
  assert.ok(expected.length > 0);
  assert.deepEqual(killer.batches.map((b) => b.victims.map((v) => v.pid)), [expected]);
  assert.deepEqual(journal.records.map((r) => r.pid), expected);
  assert.ok(journal.records.every((r) => r.dryRun === false && r.domain === 'machine'));
  const decisions = log.events('decision');
  assert.equal(decisions.length, 1);
  assert.deepEqual((decisions[0]?.victims as Array<{ pid: number }>).map((v) => v.pid), expected);
  const kills = log.events('kill');
  assert.equal(kills.length, expected.length);
  for (const k of kills) {
    assert.equal(k.domain, 'machine');
    assert.equal(k.triggerAtMs, 1000);
    assert.equal(k.signalAtMs, 1002, 'the FakeKiller signals 2 ms after the clock');
    assert.equal(k.eventToSignalMs, 2);
    assert.match(String(k.msg), /^killing /);
  }
});

test('min_adj: processes below it are never candidates', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"\nminfree = "1GiB"', { minAdj: 600 });
  const { killer, triggers, domain } = setup(cfg);
  domain.start();
  triggers[0]?.fire();
  await settle();
  assert.deepEqual(killer.batches.map((b) => b.victims.map((v) => v.pid)), [[12]], 'only adj 900 is >= 600, though minfree asks for more');
});

test('dry run: the decision is logged and journalled, the killer is told not to kill', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"', { dryRun: true });
  const { killer, journal, log, triggers, domain } = setup(cfg);
  domain.start();
  triggers[0]?.fire();
  await settle();
  assert.ok(killer.batches.length === 1 && killer.batches[0]?.dryRun === true);
  assert.ok(journal.records.length > 0 && journal.records.every((r) => r.dryRun));
  assert.ok(log.events('kill').every((k) => k.dryRun === true && k.signalAtMs === undefined));
});

test('events during a reclaim are absorbed by it', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"');
  const { killer, triggers, domain } = setup(cfg);
  let open: () => void = () => undefined;
  killer.gate = new Promise((r) => (open = r));
  domain.start();
  triggers[0]?.fire();
  await settle();
  triggers[0]?.fire();
  triggers[0]?.fire();
  open();
  await settle();
  assert.equal(killer.batches.length, 1);
  assert.deepEqual({ reclaims: domain.stats.reclaims, absorbed: domain.stats.absorbed, events: domain.stats.events }, { reclaims: 1, absorbed: 2, events: 3 });
});

test('apply(): new parameters take effect; triggers are re-armed only when their plan changes', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"\nminfree = "10MiB"');
  const { killer, triggers, domain } = setup(cfg);
  domain.start();
  assert.equal(triggers.length, 1);
  await domain.apply(config('[[domain]]\npolicy = "simple-lmk"\nminfree = "1GiB"'));
  assert.equal(triggers.length, 1, 'same trigger plan: not re-armed');
  triggers[0]?.fire();
  await settle();
  assert.equal(killer.batches[0]?.victims.length, 3, 'minfree 1 GiB: everyone at adj >= 0');
  await domain.apply(config('[[domain]]\npolicy = "simple-lmk"\nminfree = "1GiB"\npsi_stall = "100ms"'));
  assert.equal(triggers.length, 2);
  assert.ok(triggers[0]?.stopped);
  assert.ok(domain.canApply(config('[[domain]]\npolicy = "simple-lmk"')));
  assert.ok(!domain.canApply(config('[[domain]]\npolicy = "lmkd"')));
});

test('stop(): triggers are disarmed and later events are ignored', async () => {
  const cfg = config('[[domain]]\npolicy = "simple-lmk"');
  const { killer, triggers, domain } = setup(cfg);
  domain.start();
  await domain.stop();
  assert.ok(triggers[0]?.stopped);
  triggers[0]?.fire();
  await settle();
  assert.equal(killer.batches.length, 0);
});

test('setLevels (LMK_TARGET) reconfigures the table policies only', async () => {
  const table = setup(config('[[domain]]\npolicy = "lowmemorykiller"'));
  assert.ok(table.domain.setLevels([{ minfreeKiB: 8 * 1024 * 1024, adj: 600 }]));
  table.domain.start();
  table.triggers[0]?.fire();
  await settle();
  assert.deepEqual(table.killer.batches.map((b) => b.victims.map((v) => v.pid)), [[12]], 'free 4 GiB < 8 GiB: level adj 600 applies');
  const simple = setup(config('[[domain]]\npolicy = "simple-lmk"'));
  assert.equal(simple.domain.setLevels([{ minfreeKiB: 1024, adj: 0 }]), false);
});

test('hold_back: applied at start on a cgroup2 memory group, released at stop; refused on any other kind of domain', async () => {
  const calls: string[] = [];
  const holdBack = {
    apply: (group: string, marginKiB: number) => {
      calls.push(`apply ${group} ${marginKiB}`);
      return { group, original: 'max', written: '192937984', describe: 'lowered' };
    },
    release: (h: { group: string }) => {
      calls.push(`release ${h.group}`);
      return 'restored';
    },
  };
  const cfg = config('[[domain]]\nmemcg = "/sys/fs/cgroup/g"\npolicy = "lmkd"\nhold_back = "16MiB"');
  const { domain, log } = setup(cfg, undefined, { kind: 'cgroup2-memory', holdBack });
  domain.start();
  assert.deepEqual(calls, ['apply /sys/fs/cgroup/g 16384']);
  assert.ok(log.events('hold-back').length === 1);
  await domain.stop(0);
  assert.deepEqual(calls, ['apply /sys/fs/cgroup/g 16384', 'release /sys/fs/cgroup/g']);

  const v1 = setup(cfg, undefined, { kind: 'memcg-v1', holdBack });
  assert.throws(() => v1.domain.start(), /hold_back needs a cgroup2 group with the memory controller/);
  assert.equal(calls.length, 2, 'nothing written on a v1 memcg');
});
