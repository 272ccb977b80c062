// The engine against fake ports: one reclaim at a time, events absorbed, memory re-checked
// before the kill, dry run, the timeout, and one journal record per victim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReclaimEngine, type EngineSettings } from '../../src/engine/reclaim.js';
import type { Clock, EventSink, Killer, KillOptions, KillResult, ProcessSource, TriggerEvent } from '../../src/engine/ports.js';
import type { KillRecord } from '../../src/model/kill-record.js';
import type { MemoryState, ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import { getPolicy } from '../../src/policy/registry.js';
import { NO_RULES, type Policy } from '../../src/policy/types.js';
import type { MemoryView } from '../../src/model/memory-view.js';

const MiB = 1024;

function memory(availableKiB: number): MemoryState {
  return {
    totalKiB: 1024 * MiB, freeKiB: availableKiB, availableKiB, cachedKiB: 0, buffersKiB: 0, shmemKiB: 0,
    unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 0,
  };
}

function proc(pid: number, adj: number, anonMiB: number): ProcessInfo {
  return {
    pid, name: `p${pid}`, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: pid * 10,
    oomScoreAdj: adj, rssAnonKiB: anonMiB * MiB, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0,
  };
}

class FakeWorld implements ProcessSource, Killer, Clock {
  now = 0;
  availableKiB = 10 * MiB;
  /** What readMemory() reports (the re-check before the kill). */
  recheckAvailableKiB: number | undefined;
  processes = [proc(100, 0, 50), proc(200, 900, 30), proc(300, 500, 40)];
  killCalls: number[][] = [];
  killOptions: KillOptions[] = [];
  exitAfterMs: number | null = 5;
  logs: Array<{ level: string; event: string }> = [];
  records: KillRecord[] = [];
  journal = { append: (r: KillRecord) => this.records.push(r) };
  releaseKill: (() => void) | undefined;
  holdKill = false;

  nowMs = (): number => this.now;
  wallMs = (): number => 1_700_000_000_000 + this.now;
  async scan(): Promise<Snapshot> {
    return { version: 1, memory: memory(this.availableKiB), processes: this.processes };
  }
  async readMemory(): Promise<MemoryView> {
    return { memory: memory(this.recheckAvailableKiB ?? this.availableKiB) };
  }
  async kill(victims: readonly KillResult['victim'][], options: KillOptions): Promise<KillResult[]> {
    this.killCalls.push(victims.map((v) => v.pid));
    this.killOptions.push(options);
    if (this.holdKill) await new Promise<void>((r) => (this.releaseKill = r));
    return victims.map((victim) => ({ victim, killed: true, reaped: true, reapMs: 1, signalAtMs: this.now, notes: [] }));
  }
  async waitForExit(results: readonly KillResult[]): Promise<(number | null)[]> {
    return results.map(() => this.exitAfterMs);
  }
  log(level: string, event: string): void {
    this.logs.push({ level, event });
  }
}

function engine<P>(world: FakeWorld, policy: Policy<P, unknown>, settings: Partial<EngineSettings<P>> = {}) {
  const events: EventSink = { log: (l, e) => world.log(l, e), decision: () => undefined, kill: () => undefined };
  return new ReclaimEngine<P, unknown>(
    { domain: 'test', policy, source: world, killer: world, journal: world.journal, events, clock: world, selfPid: 4242 },
    { params: policy.defaultParams(), rules: NO_RULES, reclaimTimeoutMs: 100, dryRun: false, ...settings },
  );
}

const trigger: TriggerEvent = { source: 'test', level: 'critical', atMs: 0 };

test('a threshold policy kills its victim and journals one record with the kill results', async () => {
  const world = new FakeWorld();
  const e = engine(world, getPolicy('oom-score') as Policy<unknown, unknown>);
  const out = await e.onTrigger(trigger);
  assert.equal(out.kind, 'killed');
  assert.equal(world.killCalls.length, 1);
  assert.deepEqual(world.records.map((x) => x.stage), ['signalled', 'final']);
  const r = world.records[1];
  assert.equal(r?.pid, world.killCalls[0]?.[0]);
  assert.equal(r?.policy, 'oom-score');
  assert.equal(r?.exitMs, 5);
  assert.equal(r?.reaped, true);
  assert.equal(r?.dryRun, false);
  assert.equal(r?.time, new Date(1_700_000_000_000).toISOString());
});

test('above every threshold: no scan result is acted on', async () => {
  const world = new FakeWorld();
  world.availableKiB = 900 * MiB;
  const e = engine(world, getPolicy('oom-score') as Policy<unknown, unknown>);
  assert.equal((await e.onTrigger(trigger)).kind, 'no-action');
  assert.deepEqual(world.killCalls, []);
});

test('memory recovered between the decision and the kill: nothing is killed', async () => {
  const world = new FakeWorld();
  world.recheckAvailableKiB = 900 * MiB;
  const e = engine(world, getPolicy('oom-score') as Policy<unknown, unknown>);
  assert.equal((await e.onTrigger(trigger)).kind, 'recovered');
  assert.deepEqual(world.killCalls, []);
  assert.ok(world.logs.some((l) => l.event === 'recovered'));
});

test('triggers during a reclaim are absorbed by it, and the next trigger after it runs a new one', async () => {
  const world = new FakeWorld();
  world.holdKill = true;
  const e = engine(world, getPolicy('simple-lmk') as Policy<unknown, unknown>);
  const first = e.onTrigger(trigger);
  await new Promise((r) => setImmediate(r));
  assert.equal(e.busy, true);
  assert.equal((await e.onTrigger(trigger)).kind, 'absorbed');
  assert.equal((await e.onTrigger(trigger)).kind, 'absorbed');
  world.releaseKill?.();
  assert.equal((await first).kind, 'killed');
  assert.deepEqual(e.stats, { reclaims: 1, absorbed: 2 });
  world.holdKill = false;
  assert.equal((await e.onTrigger(trigger)).kind, 'killed');
  assert.equal(world.killCalls.length, 2);
});

test('a victim still alive at the timeout: the reclaim logs it and ends, exitMs is null', async () => {
  const world = new FakeWorld();
  world.exitAfterMs = null;
  const e = engine(world, getPolicy('simple-lmk') as Policy<unknown, unknown>);
  const out = await e.onTrigger(trigger);
  assert.ok(out.kind === 'killed' && out.timedOut);
  assert.ok(world.logs.some((l) => l.event === 'timeout' && l.level === 'warn'));
  assert.ok(world.records.every((r) => r.exitMs === null));
});

test('the daemon itself is never a victim (selfPid reaches the policy)', async () => {
  const world = new FakeWorld();
  world.processes = [proc(4242, 1000, 500), proc(100, 0, 10)];
  const e = engine(world, getPolicy('simple-lmk') as Policy<unknown, unknown>);
  await e.onTrigger(trigger);
  assert.ok(world.killCalls.flat().every((pid) => pid !== 4242));
});

test('dry run: the decision is journalled with dryRun true and exitMs null', async () => {
  const world = new FakeWorld();
  const e = engine(world, getPolicy('oom-score') as Policy<unknown, unknown>, { dryRun: true });
  await e.onTrigger(trigger);
  assert.equal(world.records.length, 1, 'a dry run is journalled once');
  assert.equal(world.records[0]?.stage, undefined);
  assert.equal(world.records[0]?.dryRun, true);
  assert.equal(world.records[0]?.exitMs, null);
  assert.deepEqual(world.killOptions, [{ dryRun: true }], 'the killer is told not to kill');
});

test('a source that confirms its victims: a stale victim means a decision on the fresh snapshot it hands back', async () => {
  // The kernel source's incremental scan serves stat from earlier reads; recheck() reads
  // the victims afresh. Here the adj-900 process turned out to be exiting already.
  const world = new FakeWorld();
  const rechecked: number[][] = [];
  const source: ProcessSource = {
    scan: () => world.scan(),
    readMemory: () => world.readMemory(),
    recheck: async (victims) => {
      rechecked.push(victims.map((v) => v.pid));
      if (!victims.some((v) => v.pid === 200)) return undefined;
      const fresh = world.processes.map((p) => (p.pid === 200 ? { ...p, state: 'Z', exiting: true } : p));
      return { version: 1, memory: memory(world.availableKiB), processes: fresh };
    },
  };
  const policy = getPolicy('oom-score') as Policy<unknown, unknown>;
  const e = new ReclaimEngine<unknown, unknown>(
    { domain: 'test', policy, source, killer: world, journal: world.journal, events: { log: () => undefined, decision: () => undefined, kill: () => undefined }, clock: world },
    { params: policy.defaultParams(), rules: NO_RULES, reclaimTimeoutMs: 100, dryRun: false },
  );
  const out = await e.onTrigger(trigger);
  assert.equal(out.kind, 'killed');
  assert.deepEqual(rechecked, [[200]], 'the first choice was confirmed, the second decision stands as made on fresh data');
  assert.deepEqual(world.killCalls, [[300]], 'the exiting adj-900 process is not killed; the next in line is');
});

test('a source whose recheck confirms the victims: one scan, one decision, the same kill', async () => {
  const world = new FakeWorld();
  let scans = 0;
  const source: ProcessSource = {
    scan: () => (scans++, world.scan()),
    readMemory: () => world.readMemory(),
    recheck: async () => undefined,
  };
  const policy = getPolicy('oom-score') as Policy<unknown, unknown>;
  const e = new ReclaimEngine<unknown, unknown>(
    { domain: 'test', policy, source, killer: world, journal: world.journal, events: { log: () => undefined, decision: () => undefined, kill: () => undefined }, clock: world },
    { params: policy.defaultParams(), rules: NO_RULES, reclaimTimeoutMs: 100, dryRun: false },
  );
  await e.onTrigger(trigger);
  assert.equal(scans, 1);
  assert.deepEqual(world.killCalls, [[200]]);
});

/** A source that serves some sizes from an earlier read until freshen() re-reads them (KernelProcessSource lazySizes). */
class LazySource implements ProcessSource {
  readonly freshened: number[][] = [];
  constructor(
    private readonly truth: ProcessInfo[],
    private readonly served: Map<number, number>,
  ) {}
  /** The last snapshot handed out: `used` is asked about its very objects, as a policy saw them. */
  private last: Snapshot | undefined;
  private snapshot(): Snapshot {
    const processes = this.truth.map((p) => {
      const anonMiB = this.served.get(p.pid);
      return anonMiB === undefined ? p : { ...p, rssAnonKiB: anonMiB * MiB };
    });
    this.last = { version: 1, memory: memory(10 * MiB), processes };
    return this.last;
  }
  async scan(): Promise<Snapshot> {
    return this.snapshot();
  }
  async readMemory(): Promise<MemoryView> {
    return { memory: memory(10 * MiB) };
  }
  async freshen(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const pids = (this.last?.processes ?? []).filter((p) => this.served.has(p.pid) && used(p)).map((p) => p.pid);
    if (pids.length === 0) return undefined;
    this.freshened.push(pids);
    for (const pid of pids) this.served.delete(pid);
    return this.snapshot();
  }
}

function lazyEngine(world: FakeWorld, source: ProcessSource, policyName: string, params?: unknown) {
  const policy = getPolicy(policyName) as Policy<unknown, unknown>;
  const events: EventSink = { log: () => undefined, decision: () => undefined, kill: () => undefined };
  return new ReclaimEngine<unknown, unknown>(
    { domain: 'test', policy, source, killer: world, journal: world.journal, events, clock: world },
    { params: params ?? policy.defaultParams(), rules: NO_RULES, reclaimTimeoutMs: 100, dryRun: false },
  );
}

test('sizes served from an earlier read: the engine re-reads the sizes each decision used until it rests on fresh ones', async () => {
  // Served (stale) sizes: 101 at 50 MiB (now 5), 300 at 1 MiB (now 100), 400 at 2 MiB (now 500).
  // On the served sizes the adj-900 bucket alone looks like enough; on fresh ones it is not,
  // and the adj-500 process that grew is the one to kill.
  const truth = [proc(101, 900, 5), proc(102, 900, 10), proc(300, 500, 100), proc(400, 0, 500)];
  const source = new LazySource(truth, new Map([[101, 50], [300, 1], [400, 2]]));
  const world = new FakeWorld();
  const params = { minfreeKiB: 40 * MiB, reclaimTimeoutMs: 100 };
  const out = await lazyEngine(world, source, 'simple-lmk', params).onTrigger(trigger);
  assert.equal(out.kind, 'killed');
  assert.deepEqual(world.killCalls, [[300]]);
  const fresh = getPolicy('simple-lmk').decide({ version: 1, memory: memory(10 * MiB), processes: truth }, {}, params, { nowMs: 0, rules: NO_RULES });
  assert.deepEqual(world.killCalls[0], fresh.victims.map((v) => v.pid), 'the same victims as a decision on every size read fresh');
  assert.deepEqual(source.freshened, [[101], [300, 400]], 'first the adj-900 bucket the walk stopped in, then the buckets the longer walk reached');
});

test('sizes served from an earlier read: nothing re-read when the decision used only fresh sizes', async () => {
  const truth = [proc(101, 900, 200), proc(300, 500, 100), proc(400, 0, 500)];
  const source = new LazySource(truth, new Map([[300, 1], [400, 2]]));
  const world = new FakeWorld();
  await lazyEngine(world, source, 'simple-lmk', { minfreeKiB: 40 * MiB, reclaimTimeoutMs: 100 }).onTrigger(trigger);
  assert.deepEqual(world.killCalls, [[101]]);
  assert.deepEqual(source.freshened, [], 'the walk stopped in the adj-900 bucket, whose size was read fresh');
});

test('sizes served from an earlier read: a policy that does not say which sizes it used gets every size re-read', async () => {
  // oom-score ranks by oom_score, which moves with every size: it declares no sizesUsed.
  const truth = [proc(101, 900, 5), proc(300, 500, 100), proc(400, 0, 500)];
  const source = new LazySource(truth, new Map([[101, 50], [300, 1]]));
  const world = new FakeWorld();
  await lazyEngine(world, source, 'oom-score').onTrigger(trigger);
  assert.deepEqual(source.freshened, [[101, 300]]);
  assert.equal(world.killCalls.length, 1);
});

/** A source whose scan leaves oom_score out until readScores() reads "the kernel's" (KernelProcessSource scoreOnDemand). */
class ScoreOnDemandSource extends LazySource {
  readonly scoresRead: number[][] = [];
  private readonly read = new Set<number>();
  private lastScores: Snapshot | undefined;
  constructor(
    truth: ProcessInfo[],
    private readonly kernel: Map<number, number>,
  ) {
    super(truth, new Map());
  }
  private withScores(base: Snapshot): Snapshot {
    this.lastScores = { ...base, processes: base.processes.map((p) => (this.read.has(p.pid) ? { ...p, oomScore: this.kernel.get(p.pid) ?? 0 } : p)) };
    return this.lastScores;
  }
  override async scan(): Promise<Snapshot> {
    this.read.clear();
    return this.withScores(await super.scan());
  }
  async readScores(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const pids = (this.lastScores?.processes ?? []).filter((p) => p.oomScore === undefined && used(p)).map((p) => p.pid);
    if (pids.length === 0) return undefined;
    this.scoresRead.push(pids);
    for (const pid of pids) this.read.add(pid);
    return this.withScores(await super.scan());
  }
}

test('oom_score left out of the scan: the engine reads the kernel value of the processes that could win, and kills by it', async () => {
  // Worked out from the sizes (1 GiB of RAM): 201 (adj 500, 10 MiB) scores 1006, 202 (adj 500,
  // 8 MiB) 1004, 300 759, 100 698. Say the kernel's value for 202 is higher than its sizes
  // show (page tables the last status read did not see): 1010. Only 201 and 202 are
  // within reach (2 points) of the first victim.
  const truth = [proc(100, 0, 50), proc(201, 500, 10), proc(202, 500, 8), proc(300, 100, 40)];
  const source = new ScoreOnDemandSource(truth, new Map([[100, 698], [201, 1006], [202, 1010], [300, 759]]));
  const world = new FakeWorld();
  const out = await lazyEngine(world, source, 'oom-score').onTrigger(trigger);
  assert.equal(out.kind, 'killed');
  assert.deepEqual(world.killCalls, [[202]], "the kernel's highest oom_score, not the worked-out one");
  assert.deepEqual(source.scoresRead, [[201, 202]], 'read only the two within reach of the victim');
});

test('a kill is journalled when SIGKILL goes out, before the wait for its exit, then completed (issue 11 item 6)', async () => {
  const world = new FakeWorld();
  let releaseWait: (() => void) | undefined;
  world.waitForExit = async (results) => {
    await new Promise<void>((r) => (releaseWait = r));
    return results.map(() => 7);
  };
  const e = engine(world, getPolicy('oom-score') as Policy<unknown, unknown>);
  const out = e.onTrigger(trigger);
  for (let i = 0; i < 20 && !releaseWait; i++) await new Promise((r) => setImmediate(r));
  assert.ok(releaseWait, 'the engine waits for the exit');
  // A daemon killed now keeps this record.
  assert.deepEqual(world.records.map((r) => [r.stage, r.exitMs, r.killed]), [['signalled', null, true]]);
  releaseWait?.();
  await out;
  assert.deepEqual(world.records.map((r) => [r.stage, r.exitMs]), [['signalled', null], ['final', 7]]);
  assert.equal(world.records[0]?.killId, world.records[1]?.killId);
});

/** A simple-lmk memcg domain at its limit, as in issue 11 item 7 (300 MiB, hogs at adj 0/500/900). */
class CgroupWorld extends FakeWorld {
  usageKiB = 300 * MiB;
  override async scan(): Promise<Snapshot> {
    return { ...(await super.scan()), cgroup: { path: '/m', usageKiB: this.usageKiB, limitKiB: 300 * MiB } };
  }
  override async readMemory(): Promise<MemoryView> {
    return { ...(await super.readMemory()), cgroup: { path: '/m', usageKiB: this.usageKiB, limitKiB: 300 * MiB } };
  }
}

test('a stale pressure event after a reclaim that reached its target costs no second process (issue 11 item 7)', async () => {
  const world = new CgroupWorld();
  world.processes = [proc(100, 0, 40), proc(200, 500, 60), proc(300, 900, 80)];
  const e = engine(world, getPolicy('simple-lmk') as Policy<unknown, unknown>, { reclaimTimeoutMs: 200 });
  assert.equal((await e.onTrigger(trigger)).kind, 'killed');
  assert.deepEqual(world.killCalls, [[300]]);
  world.processes = world.processes.filter((p) => p.pid !== 300);
  world.usageKiB = 225 * MiB; // the victim's memory came back; a grower is still growing
  world.now = 80;
  assert.equal((await e.onTrigger({ ...trigger, atMs: 80 })).kind, 'absorbed');
  assert.deepEqual(world.killCalls, [[300]], 'no second kill');
  assert.ok(world.logs.some((l) => l.event === 'absorbed' && l.level === 'info'), 'why the event was absorbed is logged');
});

test('the grower that keeps growing still gets its second reclaim (issue 11 item 7)', async () => {
  const world = new CgroupWorld();
  world.processes = [proc(100, 0, 40), proc(200, 500, 60), proc(300, 900, 80)];
  const e = engine(world, getPolicy('simple-lmk') as Policy<unknown, unknown>, { reclaimTimeoutMs: 200 });
  await e.onTrigger(trigger);
  world.processes = world.processes.filter((p) => p.pid !== 300);
  // Within the window, but the group is at its limit again: the pressure persists.
  world.now = 80;
  assert.equal((await e.onTrigger({ ...trigger, atMs: 80 })).kind, 'killed');
  // After the window, every event runs a reclaim as before.
  world.now = 1000;
  world.usageKiB = 200 * MiB;
  world.processes = [proc(100, 0, 40), proc(400, 600, 70)];
  assert.equal((await e.onTrigger({ ...trigger, atMs: 1000 })).kind, 'killed');
  assert.equal(world.killCalls.length, 3);
});

test('the event sink hears signalled after the kill, before the wait for the exits (the observers\' place)', async () => {
  const world = new FakeWorld();
  const order: string[] = [];
  const kill = world.kill.bind(world);
  const wait = world.waitForExit.bind(world);
  world.kill = async (victims, options) => {
    const results = await kill(victims, options);
    order.push('kill');
    return results;
  };
  world.waitForExit = async (results) => {
    order.push('wait');
    return wait(results);
  };
  const policy = getPolicy('oom-score') as Policy<unknown, unknown>;
  const events: EventSink = {
    log: () => undefined,
    decision: () => undefined,
    signalled: (domain, results, dryRun) => order.push(`signalled ${domain} ${results.map((r) => r.victim.pid).join(',')} ${dryRun}`),
    kill: () => undefined,
  };
  const e = new ReclaimEngine<unknown, unknown>(
    { domain: 'test', policy, source: world, killer: world, journal: world.journal, events, clock: world },
    { params: policy.defaultParams(), rules: NO_RULES, reclaimTimeoutMs: 100, dryRun: false },
  );
  assert.equal((await e.onTrigger(trigger)).kind, 'killed');
  assert.deepEqual(order, ['kill', `signalled test ${world.killCalls[0]?.join(',')} false`, 'wait']);
});
