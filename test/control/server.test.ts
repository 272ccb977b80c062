// The control server over a real SOCK_SEQPACKET socket in a temp dir, with real clients
// (in this process and in other processes) and real child processes to register.
// A GETKILLCNT round trip on a connection is the barrier that proves the server handled
// everything sent before it on that connection (one connection is read in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describeOutcome, LmkdClient, OUTCOME_STATUS } from '../../src/control/client.js';
import { NO_OUTCOME } from '../../src/control/outcome.js';
import { ControlError } from '../../src/control/errors.js';
import { ControlServer } from '../../src/control/server.js';
import { encode, packWords } from '../../src/control/protocol.js';
import type { KillRecord } from '../../src/model/kill-record.js';
import type { Level } from '../../src/policy/table.js';
import { hasCapSysResource } from '../helpers/skip.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import { remoteClient, sleeper, startServer } from './helpers.js';

const adjOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));

function killRecord(pid: number, over: Partial<KillRecord> = {}): KillRecord {
  return {
    time: new Date().toISOString(), pid, name: 'sleep', uid: 0, oomScoreAdj: 0, sizeKiB: 1024, anonKiB: 512,
    policy: 'lmkd', reason: 'level', reaped: true, reapMs: 1, exitMs: 2, dryRun: false, ...over,
  };
}

test('start creates the parent directory and a 0660 socket; close removes it; a live socket is not stolen', async () => {
  const t = await startServer();
  try {
    const st = lstatSync(t.path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    const second = new ControlServer({ path: t.path });
    await assert.rejects(second.start(), (e: unknown) => e instanceof ControlError && e.code === 'socket-in-use');
    writeFileSync(`${t.dir}/plain`, 'x');
    const third = new ControlServer({ path: `${t.dir}/plain` });
    await assert.rejects(third.start(), (e: unknown) => e instanceof ControlError && e.code === 'not-a-socket');
  } finally {
    await t.stop();
  }
  assert.throws(() => lstatSync(t.path), /ENOENT/);
});

test('PROCPRIO registers (oom_score_adj written, uid and type kept), PROCREMOVE and PROCPURGE unregister', async () => {
  const t = await startServer();
  const kids = await Promise.all([sleeper(), sleeper(), sleeper()]);
  const c = await LmkdClient.connect(t.path);
  try {
    const [a, b, d] = kids.map((k) => k.pid) as [number, number, number];
    await c.procPrio(a, 10001, 900);
    await c.procPrio(b, 10002, 100, 'service');
    await c.procsPrio([{ pid: d, uid: 10003, adj: 300 }]);
    await c.getKillCount();
    const reg = t.server.registry();
    assert.deepEqual([...reg.keys()].sort(), [a, b, d].sort());
    assert.deepEqual({ ...reg.get(b), registeredAtMs: 0 }, { pid: b, uid: 10002, oomScoreAdj: 100, processType: 1, registeredAtMs: 0, taskName: 'sleep' });
    assert.deepEqual([adjOf(a), adjOf(b), adjOf(d)], [900, 100, 300]);
    await c.procPrio(a, 10001, 950); // update by the owner
    await c.procRemove(b);
    await c.getKillCount();
    assert.equal(adjOf(a), 950);
    assert.equal(t.server.registry().get(a)?.oomScoreAdj, 950);
    assert.equal(t.server.registry().has(b), false);
    await c.procPurge();
    await c.getKillCount();
    assert.equal(t.server.registry().size, 0);
  } finally {
    await c.close();
    await Promise.all(kids.map((k) => k.kill()));
    await t.stop();
  }
});

test('ownership: another live client is refused; after its owner leaves the record is claimed', async () => {
  const t = await startServer();
  const kid = await sleeper();
  const owner = await remoteClient(t.path);
  const other = await remoteClient(t.path);
  try {
    await owner.call('procPrio', kid.pid, 10001, 700);
    await owner.call('getKillCount');
    await other.call('procPrio', kid.pid, 10002, 100);
    await other.call('procRemove', kid.pid);
    await other.call('getKillCount');
    assert.equal(t.server.registry().get(kid.pid)?.uid, 10001);
    assert.equal(adjOf(kid.pid), 700);
    const refusals = t.events('control.refused');
    assert.equal(refusals.length, 2);
    assert.equal(refusals[0]?.fields?.owner, owner.pid);
    assert.equal(refusals[0]?.fields?.senderPid, other.pid);

    await owner.stop();
    await waitFor(() => t.events('control.disconnected').length === 1, 5000, 'owner disconnect');
    await other.call('procPrio', kid.pid, 10002, 100);
    await other.call('getKillCount');
    assert.equal(t.server.registry().get(kid.pid)?.uid, 10002);
    assert.equal(adjOf(kid.pid), 100);
  } finally {
    await other.stop();
    await kid.kill();
    await t.stop();
  }
});

test('a 4th connection makes the server drop the other three and serve the new one (lmkd rule)', async () => {
  const t = await startServer();
  const first = await Promise.all([1, 2, 3].map(() => LmkdClient.connect(t.path)));
  try {
    await Promise.all(first.map((c) => c.getKillCount()));
    assert.equal(t.server.connectionCount, 3);
    const fourth = await LmkdClient.connect(t.path);
    await withTimeout(Promise.all(first.map((c) => c.closed)), 5000, 'the first three dropped');
    assert.equal(await fourth.getKillCount(), 0);
    assert.equal(t.server.connectionCount, 1);
    assert.equal(t.events('control.connection-limit').length, 1);
    await assert.rejects(first[0]!.getKillCount(), (e: unknown) => e instanceof ControlError && e.code === 'closed');
    await fourth.close();
  } finally {
    await Promise.all(first.map((c) => c.close()));
    await t.stop();
  }
});

test('TARGET: converted from pages to KiB; updates less than 1000 ms apart are ignored and logged', async () => {
  const tables: Level[][] = [];
  const t = await startServer({ onTarget: (levels) => void tables.push(levels) });
  const c = await LmkdClient.connect(t.path);
  try {
    await c.target([{ minfreeKiB: 6144, adj: 0 }, { minfreeKiB: 8192, adj: 100 }]);
    await c.getKillCount();
    assert.deepEqual(tables, [[{ minfreeKiB: 6144, adj: 0 }, { minfreeKiB: 8192, adj: 100 }]]);
    await c.sendRaw(encode.target([{ minfreePages: 1536, adj: 0 }])); // raw pages: 1536 pages = 6 MiB
    t.clock.now += 999;
    await c.sendRaw(encode.target([{ minfreePages: 2048, adj: 200 }]));
    await c.getKillCount();
    assert.equal(tables.length, 1);
    assert.equal(t.events('control.target-ignored').length, 2);
    t.clock.now += 1;
    await c.sendRaw(encode.target([{ minfreePages: 2048, adj: 200 }]));
    await c.sendRaw(packWords([0, 4096, 100, 1024, 200])); // invalid (descending): no effect on the rate limit
    await c.getKillCount();
    assert.deepEqual(tables[1], [{ minfreeKiB: 8192, adj: 200 }]);
    assert.equal(t.events('control.bad-datagram').length, 1);
  } finally {
    await c.close();
    await t.stop();
  }
});

test('notifyKill: counted per adj for GETKILLCNT, PROCKILL and kill statistics to subscribers, registration dropped', async () => {
  const t = await startServer();
  const kid = await sleeper();
  const killSub = await LmkdClient.connect(t.path);
  const statSub = await LmkdClient.connect(t.path);
  const plain = await LmkdClient.connect(t.path);
  const kills: Array<{ pid: number; uid: number }> = [];
  const stats: Array<{ uid: number; oomScore: number; taskName: string; killReason: number; rssBytes: number }> = [];
  const plainEvents: unknown[] = [];
  killSub.onKill((e) => kills.push(e));
  statSub.onStat((s) => stats.push(s));
  plain.onKill((e) => plainEvents.push(e));
  plain.onStat((s) => plainEvents.push(s));
  try {
    await killSub.subscribe('kill');
    await statSub.subscribe('stat');
    await killSub.procPrio(kid.pid, 10001, 900);
    await Promise.all([killSub.getKillCount(), statSub.getKillCount(), plain.getKillCount()]);
    t.server.notifyKill(killRecord(kid.pid, { oomScoreAdj: 900, uid: 0, name: 'sleep' }), { freeMemKiB: 4096 });
    t.server.notifyKill(killRecord(4_000_000, { oomScoreAdj: 0, uid: 33, dryRun: true })); // a dry run killed nothing
    t.server.notifyKill(killRecord(4_000_003, { oomScoreAdj: 0, uid: 33, killed: false, error: 'identity-changed' })); // nor did this
    t.server.notifyKill(killRecord(4_000_001, { oomScoreAdj: 0, uid: 33 })); // not registered: reported with its own uid
    await waitFor(() => kills.length === 2 && stats.length === 2, 5000, 'kill events');
    assert.deepEqual(kills, [{ pid: kid.pid, uid: 10001 }, { pid: 4_000_001, uid: 33 }]);
    assert.deepEqual(
      stats.map((s) => [s.uid, s.oomScore, s.taskName, s.killReason, s.rssBytes]),
      [[10001, 900, 'sleep', 8, 1024 * 1024], [33, 0, 'sleep', 8, 1024 * 1024]],
    );
    assert.equal(await plain.getKillCount(900, 1000), 1);
    assert.equal(await plain.getKillCount(0, 0), 1);
    assert.equal(await plain.getKillCount(), 2);
    assert.equal(t.server.killCount(-1000, 1000), 2);
    assert.deepEqual(plainEvents, []);
    assert.equal(t.server.registry().has(kid.pid), false);
  } finally {
    await Promise.all([killSub.close(), statSub.close(), plain.close()]);
    await kid.kill();
    await t.stop();
  }
});

test('notifyWarning: REAPD_WARNING per next victim, rank order, registered uid, only to warning subscribers', async () => {
  const t = await startServer();
  const kid = await sleeper();
  const warnSub = await LmkdClient.connect(t.path);
  const lmkdClient = await LmkdClient.connect(t.path);
  const warnings: unknown[] = [];
  const elsewhere: unknown[] = [];
  warnSub.onWarning((w) => warnings.push(w));
  // An lmkd client: kill events only. Its listener would hear any warning datagram it got.
  lmkdClient.onWarning((w) => elsewhere.push(w));
  try {
    await warnSub.subscribe('warning');
    await lmkdClient.subscribe('kill');
    await warnSub.procPrio(kid.pid, 10001, 900);
    await Promise.all([warnSub.getKillCount(), lmkdClient.getKillCount()]);
    t.server.notifyWarning({ headroomKiB: 4096, next: [{ pid: kid.pid, uid: 0, sizeKiB: 1024 }, { pid: 4_000_001, uid: 33, sizeKiB: 2048 }] });
    await waitFor(() => warnings.length === 2, 5000, 'two warnings');
    assert.deepEqual(warnings, [
      { pid: kid.pid, uid: 10001, rank: 1, sizeKiB: 1024, headroomKiB: 4096 },
      { pid: 4_000_001, uid: 33, rank: 2, sizeKiB: 2048, headroomKiB: 4096 },
    ]);
    t.server.notifyKill(killRecord(4_000_001, { uid: 33 }));
    await lmkdClient.getKillCount(); // the barrier: the server sent it everything before this reply
    assert.deepEqual(elsewhere, [], 'nothing for a connection that did not subscribe to event 16');
  } finally {
    await Promise.all([warnSub.close(), lmkdClient.close()]);
    await kid.kill();
    await t.stop();
  }
});

test('a kill reported after the victim exited (and was dropped) still carries the registered uid and adj', async () => {
  const t = await startServer();
  const kid = await sleeper();
  const c = await LmkdClient.connect(t.path);
  const kills: Array<{ pid: number; uid: number }> = [];
  c.onKill((e) => kills.push(e));
  try {
    await c.subscribe('kill');
    await c.procPrio(kid.pid, 10042, 800);
    await c.getKillCount();
    await kid.kill(); // as the daemon does: kill, wait for the exit, then report
    await waitFor(() => t.events('control.exited').length === 1, 5000, 'exit seen');
    t.server.notifyKill(killRecord(kid.pid, { uid: 0, oomScoreAdj: 800 }));
    await waitFor(() => kills.length === 1, 5000, 'PROCKILL');
    assert.deepEqual(kills, [{ pid: kid.pid, uid: 10042 }]);
    assert.equal(await c.getKillCount(800, 800), 1);
  } finally {
    await c.close();
    await t.stop();
  }
});

test('registered processes that exit are dropped (their pidfd turns readable)', async () => {
  const t = await startServer();
  const kids = [await sleeper(), await sleeper()];
  const c = await LmkdClient.connect(t.path);
  try {
    for (const k of kids) await c.procPrio(k.pid, 0, 500);
    await c.getKillCount();
    assert.equal(t.server.registry().size, 2);
    await kids[0]!.kill();
    await waitFor(() => !t.server.registry().has(kids[0]!.pid), 5000, 'exited process dropped');
    assert.equal(t.server.registry().has(kids[1]!.pid), true);
    assert.equal(t.events('control.exited').length, 1);
  } finally {
    await c.close();
    await Promise.all(kids.map((k) => k.kill()));
    await t.stop();
  }
});

test('bad input is dropped and logged: non-leader threads, gone pids, init and the daemon, bad adj, unknown commands', async () => {
  const t = await startServer();
  const c = await LmkdClient.connect(t.path);
  try {
    const tid = readdirSync('/proc/self/task').map(Number).find((x) => x !== process.pid);
    assert.ok(tid, 'node has more than one thread');
    await c.procPrio(tid, 0, 500);
    await c.sendRaw(packWords([1, process.pid, 0, 1001]));
    await c.sendRaw(packWords([99]));
    await c.sendRaw(packWords([1, 0x3ffffff0, 0, 100])); // no such process
    await c.sendRaw(new Uint8Array(5));
    const initAdj = adjOf(1);
    await c.procPrio(1, 0, 1000); // init and the daemon itself are never registered
    await c.procPrio(process.pid, 0, 1000);
    assert.equal(await c.getKillCount(), 0); // still served
    assert.equal(t.server.registry().size, 0);
    assert.equal(t.events('control.not-leader').length, 1);
    assert.equal(t.events('control.gone').length, 1);
    assert.deepEqual(t.events('control.bad-datagram').map((l) => l.fields?.code), ['bad-adj', 'unknown-command', 'unaligned']);
    assert.equal(adjOf(process.pid), 0);
    assert.equal(adjOf(1), initAdj);
    assert.equal(t.events('control.refused').length, 2);
  } finally {
    await c.close();
    await t.stop();
  }
});

test('a negative adj the kernel refuses (no CAP_SYS_RESOURCE) is not registered and drops the earlier registration', async () => {
  const t = await startServer();
  const kid = await sleeper();
  const c = await LmkdClient.connect(t.path);
  try {
    await c.procPrio(kid.pid, 0, 300);
    await c.procPrio(kid.pid, 0, -800);
    await c.getKillCount();
    if (hasCapSysResource()) {
      assert.equal(t.server.registry().get(kid.pid)?.oomScoreAdj, -800);
      assert.equal(adjOf(kid.pid), -800);
      return;
    }
    assert.equal(t.server.registry().has(kid.pid), false);
    assert.equal(adjOf(kid.pid), 300);
    const [line] = t.events('control.adj-failed');
    assert.match(line?.message ?? '', /EACCES.*CAP_SYS_RESOURCE.*earlier registration was dropped/);
  } finally {
    await c.close();
    await kid.kill();
    await t.stop();
  }
});

test('UPDATE_PROPS replies 0 or -1 from the hook; START_MONITORING calls its hook; BOOT_COMPLETED is acknowledged', async () => {
  let reloads = 0;
  let monitoring = 0;
  const t = await startServer({ onUpdateProps: async () => ++reloads === 1, onStartMonitoring: () => void monitoring++ });
  const c = await LmkdClient.connect(t.path);
  try {
    assert.equal(await c.updateProps(), true);
    assert.equal(await c.updateProps(), false);
    t.server.onUpdateProps = undefined;
    assert.equal(await c.updateProps(), false);
    await c.startMonitoring();
    assert.equal(await c.bootCompleted(), 0);
    assert.equal(monitoring, 1);
    assert.equal(reloads, 2);
  } finally {
    await c.close();
    await t.stop();
  }
});

test('a flooding client is rate-limited in the log and does not starve another client', async () => {
  const t = await startServer({ logLinesPerSecond: 5 });
  const flood = await LmkdClient.connect(t.path);
  const other = await LmkdClient.connect(t.path);
  try {
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < 2000; i++) sends.push(flood.sendRaw(packWords([42, i])));
    assert.equal(await other.getKillCount(), 0);
    await Promise.all(sends);
    assert.equal(await flood.getKillCount(), 0);
    const lines = t.logs.filter((l) => l.fields?.client === 1 && l.event === 'control.bad-datagram');
    assert.equal(lines.length, 5); // the clock does not move: one window
    t.clock.now += 1000;
    await flood.sendRaw(packWords([42]));
    assert.equal(await flood.getKillCount(), 0);
    const [summary] = t.events('control.log-suppressed');
    assert.equal(summary?.fields?.suppressed, 1995);
  } finally {
    await Promise.all([flood.close(), other.close()]);
    await t.stop();
  }
});

test('close() wakes the poll at once (no wait for its timeout) and ends every connection', async () => {
  const t = await startServer();
  const c = await LmkdClient.connect(t.path);
  await c.getKillCount();
  await withTimeout(t.stop(), 800, 'server close (the poll timeout is 1000 ms)');
  await withTimeout(c.closed, 2000, 'client sees the close');
});

test('REAPD_OUTCOME (65) says what became of the last command without a reply: done, refused, rate-limited, dropped, not applied', async () => {
  let takesTable = true;
  const t = await startServer({ onTarget: () => takesTable });
  const kid = await sleeper();
  const c = await LmkdClient.connect(t.path);
  const other = await remoteClient(t.path);
  try {
    assert.deepEqual(await c.outcome(), { command: -1, status: OUTCOME_STATUS.NONE, detail: 0 });
    await c.target([{ minfreeKiB: 6144, adj: 0 }]);
    assert.deepEqual(await c.outcome(), { command: 0, status: OUTCOME_STATUS.OK, detail: 0 });
    t.clock.now += 250;
    await c.target([{ minfreeKiB: 8192, adj: 0 }]);
    assert.deepEqual(await c.outcome(), { command: 0, status: OUTCOME_STATUS.RATE_LIMITED, detail: 250 });
    t.clock.now += 1000;
    takesTable = false;
    await c.target([{ minfreeKiB: 8192, adj: 0 }]);
    assert.equal((await c.outcome())?.status, OUTCOME_STATUS.NOT_APPLIED);
    await c.sendRaw(packWords([0, 4096, 100, 1024, 200])); // descending
    const dropped = await c.outcome();
    assert.equal(dropped?.status, OUTCOME_STATUS.BAD_DATAGRAM);
    assert.match(describeOutcome(dropped ?? NO_OUTCOME), /LMK_TARGET dropped: bad-target/);
    await c.procPrio(1, 0, 900);
    assert.equal((await c.outcome())?.status, OUTCOME_STATUS.PROTECTED);
    await other.call('procPrio', kid.pid, 0, 900);
    await other.call('getKillCount');
    await c.procPrio(kid.pid, 0, 800);
    assert.deepEqual(await c.outcome(), { command: 1, status: OUTCOME_STATUS.REFUSED, detail: other.pid });
    await c.procRemove(kid.pid);
    assert.deepEqual(await c.outcome(), { command: 2, status: OUTCOME_STATUS.REFUSED, detail: other.pid });
    // PROCS_PRIO: the first failing entry; GETKILLCNT (it has a reply) leaves the outcome alone.
    await c.procsPrio([{ pid: process.pid, uid: 0, adj: 900 }, { pid: kid.pid, uid: 0, adj: 800 }]);
    await c.getKillCount();
    assert.equal((await c.outcome())?.status, OUTCOME_STATUS.PROTECTED);
    if (!hasCapSysResource()) {
      const mine = await sleeper();
      try {
        await c.procPrio(mine.pid, 0, -500);
        const o = await c.outcome();
        assert.equal(o?.status, OUTCOME_STATUS.ADJ_FAILED);
        assert.match(describeOutcome(o ?? NO_OUTCOME), /EACCES.*CAP_SYS_RESOURCE/);
        await c.procPrio(mine.pid, 0, 500);
        assert.deepEqual(await c.outcome(), { command: 1, status: OUTCOME_STATUS.OK, detail: 0 });
      } finally {
        await mine.kill();
      }
    }
    // Each connection has its own: the other client's last command went through.
    assert.deepEqual(await other.call('outcome'), { command: 1, status: OUTCOME_STATUS.OK, detail: 0 });
  } finally {
    await other.stop();
    await c.close();
    await kid.kill();
    await t.stop();
  }
});
