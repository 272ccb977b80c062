// Victims in a cgroup v1 freezer (kernel-interfaces §3.4: a SIGKILLed v1-frozen task
// stays in 'D' and keeps its memory until thawed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelKiller } from '../../../src/kernel/kill/main-thread-killer.js';
import { threadNowMs } from '../../../src/kernel/clock.js';
import { ReclaimEngine } from '../../../src/engine/reclaim.js';
import type { EventSink, ProcessSource } from '../../../src/engine/ports.js';
import type { Policy } from '../../../src/policy/types.js';
import { NO_RULES } from '../../../src/policy/types.js';
import type { Victim } from '../../../src/model/decision.js';
import type { MemoryState } from '../../../src/model/snapshot.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { FileJournal } from '../../../src/journal/file-journal.js';
import { readJournal } from '../../../src/journal/read.js';
import { freezerV1, memcgV1, type TestCgroup } from '../../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';
import { spySys, stateOf, victimOf } from './helpers.js';
import { SyscallError } from '../../../src/kernel/sys/errors.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCgroupV1('freezer'), needCc());
const FREEZER_ROOT = '/sys/fs/cgroup/freezer';
let thawCounter = 0;

interface Scene {
  freezer: TestCgroup;
  memcg: TestCgroup;
  victim: Hog;
  neighbour: Hog;
  thawCgroup: string;
  cleanup(): Promise<void>;
}

/** A victim (own memcg) and a neighbour in one v1 freezer, frozen. */
async function frozenScene(victimMiB: number): Promise<Scene> {
  const freezer = freezerV1();
  const memcg = memcgV1();
  const victim = spawnHog({ mib: victimMiB, cgroups: [freezer.path, memcg.path] });
  const neighbour = spawnHog({ mib: 8, cgroups: [freezer.path] });
  const thawCgroup = `reapd-test-thawed-${process.pid}-${++thawCounter}`;
  const cleanup = async (): Promise<void> => {
    // SIGKILL does not end a v1-frozen task: thaw, kill, then remove the groups.
    freezer.write('freezer.state', 'THAWED');
    await Promise.all([victim.kill(), neighbour.kill()]);
    await freezer.remove();
    await memcg.remove();
    const thawed = join(FREEZER_ROOT, thawCgroup);
    if (existsSync(thawed)) rmdirSync(thawed);
  };
  try {
    await withTimeout(Promise.all([victim.ready, neighbour.ready]), 30_000, 'hogs ready');
    freezer.write('freezer.state', 'FROZEN');
    await waitFor(() => freezer.read('freezer.state').trim() === 'FROZEN', 5000, 'freezer FROZEN');
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { freezer, memcg, victim, neighbour, thawCgroup, cleanup };
}

function usageBytes(memcg: TestCgroup): number {
  return Number(memcg.read('memory.usage_in_bytes'));
}

test('a frozen victim is reaped while still frozen, moved out alone, and exits; its neighbour stays frozen', { skip, timeout: 60_000 }, async (t) => {
  const scene = await frozenScene(256);
  t.after(() => scene.cleanup());
  const before = usageBytes(scene.memcg);
  let atThaw: { usage: number; state: string | undefined } | undefined;
  // The spy looks at the victim the moment the killer moves it out of the freezer.
  const { sys, calls } = spySys((path, data) => {
    if (path.endsWith(`${scene.thawCgroup}/cgroup.procs`) && data === String(scene.victim.pid)) {
      atThaw = { usage: usageBytes(scene.memcg), state: stateOf(scene.victim.pid) };
    }
  });
  const killer = new KernelKiller({ useWorker: false, sys, thawCgroup: scene.thawCgroup });
  t.after(() => killer.close());
  const [result] = await killer.kill([victimOf(scene.victim.pid, 256 * 1024)], { dryRun: false });
  assert.ok(result?.killed);
  assert.equal(result.reaped, true, result.notes.join('; '));
  assert.ok(atThaw, 'the victim was never moved to the thawed cgroup');
  assert.equal(atThaw.state, 'D', 'still frozen when its memory was released');
  assert.ok(atThaw.usage < before / 10, `usage ${atThaw.usage} of ${before} at the thaw`);
  assert.ok(result.notes.some((n) => n.startsWith('thawed: moved from')));
  const [exitMs] = await killer.waitForExit([result], 5000);
  assert.notEqual(exitMs, null, 'the victim did not exit after the thaw');
  assert.equal(scene.freezer.read('freezer.state').trim(), 'FROZEN');
  assert.equal(scene.freezer.read('freezer.self_freezing').trim(), '1');
  assert.equal(stateOf(scene.neighbour.pid), 'D', 'the neighbour was thawed too');
  assert.ok(calls.filter((c) => c.name === 'write' && c.path?.endsWith('freezer.state')).every((c) => !c.path?.includes(scene.freezer.path)));
});

test('worker thread: the frozen victim is thawed by moving and exits; the neighbour stays frozen', { skip, timeout: 60_000 }, async (t) => {
  const scene = await frozenScene(64);
  t.after(() => scene.cleanup());
  const killer = new KernelKiller({ thawCgroup: scene.thawCgroup });
  t.after(() => killer.close());
  const results = await killer.kill([victimOf(scene.victim.pid, 64 * 1024)], { dryRun: false });
  const [exitMs] = await killer.waitForExit(results, 5000);
  assert.notEqual(exitMs, null);
  assert.equal(results[0]?.reaped, true);
  assert.ok(usageBytes(scene.memcg) < 64 * 1024 * 1024 / 10);
  assert.equal(stateOf(scene.neighbour.pid), 'D');
  assert.equal(scene.freezer.read('freezer.state').trim(), 'FROZEN');
});

function stubPolicy(victims: () => Victim[]): Policy<object, object> {
  return {
    name: 'simple-lmk',
    trigger: 'pressure',
    readsOomScore: false,
    takesTableLevels: false,
    servesLmkdClients: false,
    headroom: () => ({ headroomKiB: 0 }),
    neededKiB: () => 0,
    defaultParams: () => ({}),
    initialState: () => ({}),
    needsAction: () => true,
    decide: (_s, state) => {
      const v = victims();
      return { policy: 'simple-lmk', victims: v, candidates: [], skipped: [], reason: 'minfree', summary: `kill ${v.length}`, state };
    },
    describeParams: () => 'stub',
  };
}

const memory: MemoryState = {
  totalKiB: 1, freeKiB: 1, availableKiB: 1, cachedKiB: 0, buffersKiB: 0, shmemKiB: 0, unevictableKiB: 0,
  swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 0,
};

test('a victim that cannot die (frozen, thaw off): its memory is reaped, the reclaim times out on schedule, the next reclaim runs', { skip, timeout: 60_000 }, async (t) => {
  const scene = await frozenScene(128);
  t.after(() => scene.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'reapd-kill-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journalPath = join(dir, 'journal.jsonl');
  const second = spawnHog({ mib: 8 });
  t.after(() => second.kill());
  await withTimeout(second.ready, 10_000, 'second hog');

  const killer = new KernelKiller({ thaw: false, thawCgroup: scene.thawCgroup });
  t.after(() => killer.close());
  const logs: string[] = [];
  const events: EventSink = { log: (_l, event) => void logs.push(event), decision: () => undefined, kill: () => undefined };
  const source: ProcessSource = {
    scan: () => Promise.resolve({ version: 1, memory, processes: [] }),
    readMemory: () => Promise.resolve({ memory }),
  };
  let round = 0;
  const victims = [victimOf(scene.victim.pid, 128 * 1024), victimOf(second.pid, 8 * 1024)];
  const journal = new FileJournal(journalPath);
  const engine = new ReclaimEngine(
    { domain: 'test', policy: stubPolicy(() => [victims[round++] as Victim]), source, killer, journal, events, clock: systemClock },
    { params: {}, rules: NO_RULES, reclaimTimeoutMs: 400, dryRun: false },
  );
  const before = usageBytes(scene.memcg);
  const t0 = threadNowMs();
  const first = await engine.onTrigger({ source: 'test', level: 'critical', atMs: systemClock.nowMs() });
  const elapsed = threadNowMs() - t0;
  assert.equal(first.kind, 'killed');
  assert.ok(first.kind === 'killed' && first.timedOut);
  assert.ok(elapsed >= 400 && elapsed < 3000, `reclaim took ${elapsed} ms for a 400 ms timeout`);
  assert.ok(logs.includes('timeout'));
  assert.equal(stateOf(scene.victim.pid), 'D', 'still frozen, not exited');
  assert.ok(usageBytes(scene.memcg) < before / 10, 'memory released while frozen');

  const next = await engine.onTrigger({ source: 'test', level: 'critical', atMs: systemClock.nowMs() });
  assert.ok(next.kind === 'killed' && !next.timedOut, 'the next reclaim ran and its victim exited');
  journal.close();
  const { records } = readJournal(journalPath);
  assert.deepEqual(records.map((r) => [r.pid, r.killed, r.exitMs === null]), [[scene.victim.pid, true, true], [second.pid, true, false]]);
  assert.equal(records[0]?.reaped, true);
  // Thawing lets the killed victim finish dying.
  scene.freezer.write('freezer.state', 'THAWED');
  await withTimeout(scene.victim.exited, 5000, 'victim exit after thaw');
});

test('reap retries settle after kill() returned: the result is completed before the record is made', { skip, timeout: 60_000 }, async (t) => {
  const scene = await frozenScene(32);
  t.after(() => scene.cleanup());
  // The real kernel, except that the first two process_mrelease calls say EAGAIN.
  const { sys } = spySys();
  let mreleaseCalls = 0;
  const real = sys.processMrelease;
  sys.processMrelease = (fd) => {
    if (++mreleaseCalls <= 2) throw new SyscallError('process_mrelease', 11, 'EAGAIN');
    real(fd);
  };
  const killer = new KernelKiller({ useWorker: false, sys, thaw: false, reapRetry: { attempts: 5, backoffMs: 5 } });
  t.after(() => killer.close());
  const [r] = await killer.kill([victimOf(scene.victim.pid, 32 * 1024)], { dryRun: false });
  assert.ok(r?.killed);
  assert.equal(r.reaped, false, 'not yet: the first call was refused');
  const [exitMs] = await killer.waitForExit([r], 300);
  assert.equal(exitMs, null, 'frozen, it cannot exit');
  assert.equal(r.reaped, true, 'the retry reaped it, and the result says so');
  assert.equal(mreleaseCalls, 3);
  // A second wait answers from what the first one saw, without polling a released pidfd.
  assert.deepEqual(await killer.waitForExit([r], 300), [null]);
});
