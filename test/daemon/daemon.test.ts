import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText, type LoadResult } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { FdPoller } from '../../src/kernel/fd-poller.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { CapturedLog, FakeClock, FakeKiller, FakeSource, FakeTrigger, MemoryJournal, memory, proc, settle, simpleKill } from './fakes.js';

function cfg(text: string): Config {
  const r = checkConfigText(text, 'daemon.toml');
  assert.deepEqual(r.issues, []);
  assert.ok(r.config);
  return r.config;
}

function setup(initial: string) {
  const clock = new FakeClock();
  const log = new CapturedLog();
  const killer = new FakeKiller(clock);
  const journals: Array<{ path: string | null; j: MemoryJournal }> = [];
  let next: LoadResult = { issues: [], file: 'daemon.toml', partial: false };
  let pollerStopped = false;
  const triggers: FakeTrigger[] = [];
  const daemon = new Daemon(cfg(initial), {
    logger: log.logger, clock, selfPid: 1, psiAvailable: true, killer,
    poller: { stop: () => ((pollerStopped = true), Promise.resolve()) } as unknown as FdPoller,
    openJournal: (path) => {
      const j = new MemoryJournal();
      journals.push({ path, j });
      return j;
    },
    makeSource: () => new FakeSource({ version: 1, memory: memory(), processes: [proc(10, 0, 100), proc(12, 900, 30)] }),
    formatKill: simpleKill,
    reloadConfig: () => next,
    classify: (memcg) => (memcg === null ? 'machine' : 'memcg-v1'),
  });
  // Domains build their triggers through the real builder unless told otherwise: swap in fakes.
  const build = (daemon as unknown as { build: (d: unknown) => unknown }).build.bind(daemon);
  (daemon as unknown as { build: (d: unknown) => unknown }).build = (d) => {
    const domain = build(d) as { deps: { makeTrigger: unknown } };
    domain.deps.makeTrigger = (s: PlannedSource) => {
      const t = new FakeTrigger(s);
      triggers.push(t);
      return t;
    };
    return domain;
  };
  return { daemon, log, killer, journals, triggers, setNext: (text: string) => (next = checkConfigText(text, 'daemon.toml')), isPollerStopped: () => pollerStopped };
}

test('SIGHUP with a broken file keeps the running configuration and logs every reason', async () => {
  const t = setup('[[domain]]\nname = "a"\npolicy = "simple-lmk"\nminfree = "8MiB"');
  await t.daemon.start();
  t.setNext('[[domain]]\nname = "a"\npolicy = "simple-lmk"\nminfree = "huge"\nmin_adj = 5000\n');
  assert.equal(await t.daemon.reload(), false);
  const invalid = t.log.events('config-invalid');
  assert.deepEqual(invalid.map((e) => e.key), ['domain[1].minfree', 'domain[1].min_adj']);
  assert.ok(invalid.every((e) => typeof e.line === 'number'));
  assert.equal(t.log.events('config-kept').length, 1);
  assert.equal((t.daemon.currentConfig.domains[0]?.params as { minfreeKiB: number }).minfreeKiB, 8 * 1024);
  await t.daemon.stop();
});

test('SIGHUP with a good file: parameters change in place, a new policy rebuilds, removed domains stop', async () => {
  const t = setup('[[domain]]\nname = "a"\npolicy = "simple-lmk"\nminfree = "8MiB"\n[[domain]]\nname = "b"\nmemcg = "/m"\npolicy = "simple-lmk"');
  await t.daemon.start();
  assert.equal(t.triggers.length, 3, 'a: psi; b: two memcg eventfds');
  t.setNext('[[domain]]\nname = "a"\npolicy = "simple-lmk"\nminfree = "1GiB"\n[[domain]]\nname = "c"\npolicy = "oom-score"\nmemcg = "/c"\n[daemon]\njournal = "/tmp/j2"\nlog_format = "json"');
  assert.equal(await t.daemon.reload(), true);
  const reloaded = t.log.events('config-reloaded')[0];
  assert.match(String(reloaded?.msg), /domain "b" removed/);
  assert.match(String(reloaded?.msg), /domain "c" added/);
  assert.match(String(reloaded?.msg), /journal \/tmp\/j2/);
  assert.deepEqual(t.daemon.domainList.map((d) => d.name), ['a', 'c']);
  assert.ok(t.triggers.slice(1, 3).every((x) => x.stopped), 'b disarmed');
  assert.ok(t.journals[0]?.j.closed, 'the old journal is closed');
  t.triggers[0]?.fire();
  await settle();
  assert.equal(t.killer.batches[0]?.victims.length, 2, 'minfree 1 GiB applies to domain a without a rebuild');
  assert.equal(t.journals[1]?.j.records.length, 2, 'kills go to the new journal');
  await t.daemon.stop();
});

test('stop() disarms every domain and closes the killer, the journal and the poller', async () => {
  const t = setup('[[domain]]\npolicy = "oom-score"');
  await t.daemon.start();
  await t.daemon.stop();
  assert.ok(t.triggers.every((x) => x.stopped));
  assert.ok(t.killer.closed);
  assert.ok(t.journals[0]?.j.closed);
  assert.ok(t.isPollerStopped());
});

test('a configuration with zero domains does not start (it would guard nothing)', async () => {
  const t = setup('[[domain]]\nname = "a"\npolicy = "simple-lmk"');
  (t.daemon as unknown as { config: Config }).config = { ...t.daemon.currentConfig, domains: [] };
  await assert.rejects(t.daemon.start(), (e: Error & { exitCode?: number }) => /no domain/.test(e.message) && e.exitCode === 3);
  assert.equal(t.daemon.domainList.length, 0);
});
