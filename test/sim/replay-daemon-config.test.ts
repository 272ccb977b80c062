// A daemon configuration replays in the simulator: the daemon's live domain and the
// simulator's driver run the same Domain (src/engine/domain.ts: policy, parameters, rules
// with min_adj among them, reclaim timeout), so on the same snapshot the replay kills the
// victims the daemon chose in its dry run. The snapshot is real: three children in a v1
// memcg at adj 0, 900 and 950, read by the kernel source. With simple-lmk and a minfree
// larger than the group, every candidate dies — so min_adj 900 is what spares the adj 0
// child, and a replay that drops min_adj (the simulator before the one Domain had none)
// kills it too: the test can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';
import type { DomainConfig } from '../../src/config/types.js';
import { LiveDomain } from '../../src/daemon/live-domain.js';
import type { FdPoller } from '../../src/kernel/fd-poller.js';
import { KernelProcessSource } from '../../src/kernel/source.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { replayTrace } from '../../src/sim/trace/replay.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { CapturedLog, FakeClock, FakeKiller, FakeSource, FakeTrigger, MemoryJournal, settle, simpleKill } from '../daemon/fakes.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

function daemonDomain(memcg: string): DomainConfig {
  const r = checkConfigText([
    '[daemon]', 'dry_run = true', 'socket = ""',
    '[[domain]]', `memcg = "${memcg}"`, 'policy = "simple-lmk"', 'minfree = "64GiB"', 'min_adj = 900',
  ].join('\n'), 'reapd.toml', {});
  assert.deepEqual(r.issues, []);
  const d = r.config?.domains[0];
  assert.ok(d && d.minAdj === 900 && d.dryRun);
  return d;
}

/** The daemon's dry-run victims: its live domain, one pressure event on this snapshot. */
async function daemonVictims(cfg: DomainConfig, snapshot: Snapshot): Promise<number[]> {
  const clock = new FakeClock();
  const killer = new FakeKiller(clock);
  const journal = new MemoryJournal();
  const triggers: FakeTrigger[] = [];
  const domain = new LiveDomain(cfg, {
    logger: new CapturedLog().logger, clock, killer, journal, poller: {} as FdPoller, selfPid: process.pid, psiAvailable: true,
    kind: 'memcg-v1', source: new FakeSource(snapshot), formatKill: simpleKill,
    makeTrigger: (s: PlannedSource) => {
      const t = new FakeTrigger(s);
      triggers.push(t);
      return t;
    },
  });
  domain.start();
  triggers[0]?.fire('critical', clock.t);
  await settle();
  await domain.stop(0);
  assert.ok(journal.records.every((r) => r.dryRun && !r.killed), 'a dry run kills nothing');
  return journal.records.map((r) => r.pid);
}

/** The simulator's victims replaying the snapshot as a one-frame trace with the daemon's domain. */
async function replayVictims(cfg: DomainConfig, snapshot: Snapshot): Promise<number[]> {
  // 100 %: the frame's memory counts as critical, so the pressure policy is woken.
  const result = await replayTrace({ name: 'recorded', frames: [{ atMs: 0, snapshot }] }, { daemonDomain: cfg, criticalPercent: 100 });
  assert.equal(result.runs.length, 1);
  return (result.runs[0]?.kills ?? []).map((k) => k.pid);
}

test('a daemon config with min_adj replays in the simulator: the daemon\'s dry-run victims, and only with min_adj', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1();
  const hogs: Hog[] = [];
  try {
    for (const adj of [0, 900, 950]) hogs.push(spawnHog({ mib: 8, oomScoreAdj: adj, cgroups: [memcg.path], name: `reapd-replay-a${adj}` }));
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'children ready');
    const source = new KernelProcessSource({ memcg: memcg.path, selfPid: process.pid });
    const snapshot = await source.scan();
    source.close();
    const [a0, a900, a950] = hogs.map((h) => h.pid);
    assert.deepEqual(snapshot.processes.map((p) => p.pid).sort(), [a0, a900, a950].sort(), 'the snapshot holds the three children');

    const cfg = daemonDomain(memcg.path);
    const byDaemon = await daemonVictims(cfg, snapshot);
    assert.deepEqual(byDaemon, [a950, a900], 'the daemon: highest adj first, nobody below min_adj');
    assert.deepEqual(await replayVictims(cfg, snapshot), byDaemon, 'the replay kills the daemon\'s dry-run victims');
    // Without min_adj the same replay also takes the adj 0 child: min_adj is what made it match.
    const without = await replayVictims({ ...cfg, minAdj: null }, snapshot);
    assert.ok(without.includes(a0 as number), `without min_adj the adj 0 child dies too (${without.join(', ')})`);
    assert.notDeepEqual(without, byDaemon);
  } finally {
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});
