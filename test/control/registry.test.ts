// Registry rules with scripted kernel outcomes (the server tests repeat the important ones
// with real processes), plus the kill counters and the log limiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEPARTED_KEEP_MS, Registry } from '../../src/control/registry.js';
import type { ProcessAccess } from '../../src/control/proc-access.js';
import { KillCounters } from '../../src/control/kill-counters.js';
import { LogLimiter } from '../../src/control/log-limiter.js';

interface Script {
  tgids: Map<number, number>;
  exited: Set<number>; // pidfds
  adjWrites: Array<[number, number]>;
  writeError?: string;
  pidfdError?: string;
  closed: number[];
  watched: number[];
  released: number[];
}

const clock = { now: 1 };

function fixture(): { reg: Registry; s: Script } {
  clock.now = 1;
  const s: Script = { tgids: new Map([[100, 100], [200, 200], [201, 200]]), exited: new Set(), adjWrites: [], closed: [], watched: [], released: [] };
  let nextFd = 50;
  const access: ProcessAccess = {
    tgid: (pid) => s.tgids.get(pid),
    writeOomScoreAdj: (pid, adj) => {
      if (s.writeError) throw Object.assign(new Error(s.writeError), { code: s.writeError });
      s.adjWrites.push([pid, adj]);
    },
    openPidfd: () => {
      if (s.pidfdError) throw Object.assign(new Error(s.pidfdError), { code: s.pidfdError });
      return nextFd++;
    },
    exited: (fd) => s.exited.has(fd),
    closeFd: (fd) => void s.closed.push(fd),
  };
  const reg = new Registry({ access, nowMs: () => clock.now, protectedPids: new Set([1, 2]), watch: (_pid, fd) => void s.watched.push(fd), release: (fd) => void s.released.push(fd) });
  return { reg, s };
}

const live = (...pids: number[]) => (pid: number) => pids.includes(pid);
const prio = (pid: number, adj: number, uid = 10) => ({ pid, uid, adj, processType: 0 });

test('first registration writes oom_score_adj and watches a new pidfd; updates reuse it', () => {
  const { reg, s } = fixture();
  assert.deepEqual(reg.register(prio(100, 500), 1, live(1)), { status: 'registered', isNew: true });
  assert.deepEqual(reg.register(prio(100, 600), 1, live(1)), { status: 'registered', isNew: false });
  assert.deepEqual(s.adjWrites, [[100, 500], [100, 600]]);
  assert.equal(s.watched.length, 1);
  assert.equal(reg.entries().get(100)?.oomScoreAdj, 600);
});

test('another live client is refused; a departed owner\'s record is claimed', () => {
  const { reg } = fixture();
  reg.register(prio(100, 500), 1, live(1, 2));
  assert.deepEqual(reg.register(prio(100, 0), 2, live(1, 2)), { status: 'refused', owner: 1 });
  assert.deepEqual(reg.remove(100, 2, live(1, 2)), { status: 'refused', owner: 1 });
  assert.equal(reg.entries().get(100)?.oomScoreAdj, 500);
  assert.equal(reg.releaseOwner(1), 1);
  assert.deepEqual(reg.register(prio(100, 0), 2, live(2)), { status: 'registered', isNew: false, claimedFrom: 0 });
  assert.equal(reg.get(100)?.owner, 2);
});

test('non-leaders, vanished processes and pidfd failures are not registered', () => {
  const { reg, s } = fixture();
  assert.deepEqual(reg.register(prio(201, 0), 1, live(1)), { status: 'not-leader', tgid: 200 });
  assert.deepEqual(reg.register(prio(999, 0), 1, live(1)), { status: 'gone' });
  assert.deepEqual(reg.register(prio(1, 0), 1, live(1)), { status: 'protected' });
  s.pidfdError = 'ESRCH';
  assert.deepEqual(reg.register(prio(100, 0), 1, live(1)), { status: 'pidfd-failed', error: 'ESRCH' });
  assert.equal(reg.size, 0);
  assert.equal(s.adjWrites.length, 0);
});

test('a refused oom_score_adj write (EACCES) registers nothing and drops an earlier registration', () => {
  const { reg, s } = fixture();
  reg.register(prio(100, 300), 1, live(1));
  s.writeError = 'EACCES';
  assert.deepEqual(reg.register(prio(100, -500), 1, live(1)), { status: 'adj-failed', error: 'EACCES', droppedEarlier: true });
  assert.equal(reg.size, 0);
  assert.deepEqual(s.released, [50]);
  assert.deepEqual(reg.register(prio(200, -500), 1, live(1)), { status: 'adj-failed', error: 'EACCES', droppedEarlier: false });
  assert.deepEqual(s.closed, [51]); // the fresh pidfd is closed again
});

test('a record whose process exited is replaced, not updated (the pid may be reused)', () => {
  const { reg, s } = fixture();
  reg.register(prio(100, 300), 1, live(1));
  s.exited.add(50);
  assert.deepEqual(reg.register(prio(100, 400), 2, live(1, 2)), { status: 'registered', isNew: true });
  assert.deepEqual(s.released, [50]);
  assert.equal(reg.get(100)?.pidfd, 51);
});

test('purge removes the sender\'s and unclaimed records only; entries() is an immutable snapshot', () => {
  const { reg } = fixture();
  reg.register(prio(100, 1), 1, live(1, 2));
  reg.register(prio(200, 2), 2, live(1, 2));
  const before = reg.entries();
  assert.equal(reg.purge(1, live(1, 2)), 1);
  assert.deepEqual([...reg.entries().keys()], [200]);
  assert.deepEqual([...before.keys()], [100, 200]);
  assert.equal(reg.drop(200, 12345), undefined); // wrong pidfd: a newer registration is kept
  assert.ok(reg.drop(200));
  assert.equal(reg.size, 0);
});

test('a registration whose process exited is remembered for a kill report for 10 s, once', () => {
  const { reg } = fixture();
  reg.register(prio(100, 700, 10001), 1, live(1));
  reg.register(prio(200, 600, 10002), 1, live(1));
  assert.ok(reg.exited(100, 50));
  assert.ok(reg.exited(200, 51));
  assert.equal(reg.size, 0);
  clock.now += DEPARTED_KEEP_MS;
  assert.equal(reg.takeForKill(100)?.uid, 10001);
  assert.equal(reg.takeForKill(100), undefined, 'used once');
  clock.now += 1;
  assert.equal(reg.takeForKill(200), undefined, 'too old');
  reg.register(prio(100, 300, 10003), 1, live(1));
  assert.equal(reg.takeForKill(100)?.uid, 10003, 'a live record wins and is dropped');
  assert.equal(reg.size, 0);
});

test('kill counters follow lmkd get_killcnt: min > max is 0, min > 1000 is the total', () => {
  const k = new KillCounters();
  for (const adj of [1000, 900, 900, 0, -100]) k.record(adj);
  assert.equal(k.count(900, 1000), 3);
  assert.equal(k.count(900, 900), 2);
  assert.equal(k.count(-1000, 1000), 5);
  assert.equal(k.count(1, 899), 0);
  assert.equal(k.count(1001, 1001), 5);
  assert.equal(k.count(1001, 0), 0);
  assert.equal(k.total, 5);
});

test('log limiter: N lines per window, the rest counted and reported once', () => {
  const lines: string[] = [];
  let now = 0;
  const l = new LogLimiter((_lvl, event) => void lines.push(event), () => now, 3, 1000);
  for (let i = 0; i < 10; i++) l.line('warn', 'bad', 'x');
  assert.deepEqual(lines, ['bad', 'bad', 'bad']);
  now = 1000;
  l.line('warn', 'bad', 'x');
  assert.deepEqual(lines, ['bad', 'bad', 'bad', 'control.log-suppressed', 'bad']);
});
