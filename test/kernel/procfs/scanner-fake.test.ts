import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcScanner } from '../../../src/kernel/procfs/scanner.js';
import { parseProcStatus } from '../../../src/kernel/parse/status.js';
import { fixture, makeFakeProc, openFdCount, type FakeProc } from './fake-root.js';

function scanner(fake: FakeProc, maxCachedFds = 1000): ProcScanner {
  return new ProcScanner({ procRoot: fake.root, pageSizeKiB: 4, maxCachedFds, refreshMaxScans: 64 });
}

test('every fixture process comes back with the values its own files hold', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  try {
    const list = sc.listPids();
    assert.deepEqual([...list].sort((a, b) => a - b), [...fake.pids.values()].sort((a, b) => a - b), 'meminfo/zoneinfo are not pids');
    const procs = new Map(sc.scan(list).map((p) => [p.pid, p]));
    assert.equal(sc.stats.errors, 0, sc.stats.lastError);
    for (const [kind, pid] of fake.pids) {
      const p = procs.get(pid);
      assert.ok(p, kind);
      const status = parseProcStatus(fixture(kind, 'status'));
      assert.equal(p.name, status?.name, `${kind}: name`);
      assert.equal(p.uid, status?.uid?.real, `${kind}: uid`);
      assert.equal(p.rssAnonKiB, status?.rssAnonKiB ?? 0, `${kind}: anon`);
      assert.equal(p.rssFileKiB, status?.rssFileKiB ?? 0, `${kind}: file`);
      assert.equal(p.swapKiB, status?.vmSwapKiB ?? 0, `${kind}: swap`);
      assert.equal(p.oomScoreAdj, Number(fixture(kind, 'oom_score_adj')), `${kind}: adj`);
      assert.equal(p.oomScore, Number(fixture(kind, 'oom_score')), `${kind}: oom_score`);
    }
    const by = (kind: string) => procs.get(fake.pids.get(kind) as number);
    assert.equal(by('kthread')?.kernelThread, true);
    assert.equal(by('kthread')?.cmdline, undefined, 'kernel threads have no cmdline');
    assert.equal(by('zombie')?.exiting, true);
    assert.equal(by('frozen-killed')?.exiting, true, 'SIGKILL pending counts as exiting');
    assert.equal(by('frozen-killed')?.state, 'D');
    assert.equal(by('hog-adj500')?.exiting, false);
    assert.equal(by('hog-adj500')?.memcgV1, '/reapd-capture');
    assert.equal(by('hostile-paren')?.name, 'a) Z (b');
    assert.match(by('hostile-paren')?.cmdline ?? '', /a\) Z \(b 1000$/, 'NULs become spaces');
  } finally {
    sc.close();
    fake.remove();
  }
});

test('a pid directory that lacks files or vanished is skipped, never an error', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  try {
    rmSync(join(fake.dir('shell'), 'statm'));
    rmSync(join(fake.dir('utf8-comm'), 'oom_score_adj'));
    rmSync(join(fake.dir('newline-comm'), 'status'));
    mkdirSync(join(fake.root, '99999')); // listed, empty: exited between readdir and open
    const list = [...sc.listPids(), 123456]; // and one that is not there at all
    const procs = sc.scan(list);
    const pids = new Set(procs.map((p) => p.pid));
    for (const kind of ['shell', 'utf8-comm', 'newline-comm']) assert.ok(!pids.has(fake.pids.get(kind) as number), kind);
    assert.ok(pids.has(fake.pids.get('hog-adj500') as number));
    assert.equal(sc.stats.vanished, 5);
    assert.equal(sc.stats.errors, 0);
    assert.equal(procs.length, fake.pids.size - 3);
  } finally {
    sc.close();
    fake.remove();
  }
});

test('status is re-read only when statm moved, in D state, on exec, or on the refresh schedule', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  try {
    const list = sc.listPids();
    sc.scan(list); // scan 1: everything
    sc.scan(list); // scan 2: the first refresh, 1 scan after first sight
    sc.scan(list); // scan 3: nothing due
    assert.equal(sc.stats.fullReads, 0);
    sc.scan(list); // scan 4: the second refresh, 2 scans later (then 4, 8 … up to refreshMaxScans)
    assert.equal(sc.stats.fullReads, fake.pids.size - 2, 'everyone but the two kernel threads');
    sc.scan(list); // scan 5: nothing due
    assert.equal(sc.stats.fullReads, 0);
    assert.equal(sc.stats.statusReads, 1, 'only the D-state process (SIGKILL may be pending)');
    // The hog grows: statm moves, and status is read again for the new split.
    const hog = fake.pids.get('hog-adj500') as number;
    fake.write('hog-adj500', 'statm', '20000 19000 337 1 0 19000 0\n');
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status').replace(/RssAnon:\s+\d+ kB/, 'RssAnon:\t   74648 kB'));
    const p = sc.scan(list).find((x) => x.pid === hog);
    assert.equal(sc.stats.statusReads, 2);
    assert.equal(p?.rssAnonKiB, 74648);
    // Exec: comm changes, so cgroup and cmdline are read again at once.
    fake.write('hog-adj500', 'stat', fixture('hog-adj500', 'stat').replace('(hog)', '(newprog)'));
    fake.write('hog-adj500', 'cgroup', '0::/moved\n');
    const q = sc.scan(list).find((x) => x.pid === hog);
    assert.equal(q?.name, 'newprog');
    assert.equal(q?.cgroupV2, '/moved');
    assert.equal(q?.memcgV1, undefined);
  } finally {
    sc.close();
    fake.remove();
  }
});

test('a new starttime under the same pid is a new process: nothing of the old one is kept', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  try {
    const list = sc.listPids();
    sc.scan(list);
    sc.scan(list);
    const pid = fake.pids.get('frozen-killed') as number;
    // pid reused by a fresh process: other starttime, no SIGKILL pending, other cgroup.
    const stat = fixture('frozen-killed', 'stat').replace(/^(\d+ \(hog\) )D((?: -?\d+){18}) \d+/, '$1S$2 99999');
    fake.write('frozen-killed', 'stat', stat);
    fake.write('frozen-killed', 'status', fixture('frozen-killed', 'status').replace(/0000000000000100/g, '0000000000000000'));
    fake.write('frozen-killed', 'cgroup', '0::/new\n');
    const p = sc.scan(list).find((x) => x.pid === pid);
    assert.equal(p?.startTime, 99999);
    assert.equal(p?.exiting, false, 'the old process\'s pending SIGKILL does not stick to the new one');
    assert.equal(p?.cgroupV2, '/new');
  } finally {
    sc.close();
    fake.remove();
  }
});

test('cache on, off, or too small for everyone: the same snapshot; close() releases every fd', () => {
  const fake = makeFakeProc();
  const before = openFdCount();
  const scanners = [scanner(fake, 1000), scanner(fake, 0), scanner(fake, 9)];
  try {
    const list = scanners[0]!.listPids();
    const results = scanners.map((s) => {
      s.scan(list);
      return s.scan(list);
    });
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
    assert.ok((scanners[0]?.stats.cachedFds ?? 0) > 20);
    assert.equal(scanners[1]?.stats.cachedFds, 0);
    assert.ok((scanners[2]?.stats.cachedFds ?? 99) <= 9, 'the fd budget holds');
    assert.ok(openFdCount() > before);
  } finally {
    for (const s of scanners) s.close();
    fake.remove();
  }
  assert.equal(openFdCount(), before);
});

test('fd tiers: within the budget everyone first holds stat + oom_score_adj, the rest holds 4; rebalanced as pids come', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake, 30);
  try {
    const all = sc.listPids();
    sc.scan(['hog-adj500', 'shell', 'hostile-paren'].map((k) => fake.pids.get(k) as number));
    assert.equal(sc.stats.cachedFds, 12, 'three processes: 4 fds each');
    for (let i = 0; i < 3; i++) {
      sc.scan(all);
      assert.ok(sc.stats.cachedFds <= 30, `budget held: ${sc.stats.cachedFds}`);
    }
    // 11 processes, 2 kernel threads (1 fd each), 30 fds: 9 × 2 + 5 more × 2 = 28 for the rest.
    assert.equal(sc.stats.persistentProcesses, fake.pids.size, 'every process holds at least its stat fd');
    assert.equal(sc.stats.cachedFds, 30);
    const tight = scanner(fake, 10);
    try {
      tight.scan(all);
      tight.scan(all);
      assert.ok(tight.stats.cachedFds <= 10);
      assert.equal(tight.stats.cachedFds, 10);
      assert.equal(tight.stats.persistentProcesses, 6, 'fewer fds than 2 per process: the 2 kernel threads hold 1, 4 processes hold 2');
      assert.equal(tight.stats.errors + tight.stats.vanished, 0);
    } finally {
      tight.close();
    }
  } finally {
    sc.close();
    fake.remove();
  }
});

test('processes already older than a minute at first sight start at the slowest refresh', () => {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  const userProcesses = fake.pids.size - 2;
  try {
    const list = sc.listPids();
    // The fixtures started at ~46669 ticks (466.7 s after boot): at 470 s they are young.
    writeFileSync(join(fake.root, 'uptime'), '470.00 900.00\n');
    sc.scan(list);
    sc.scan(list);
    assert.equal(sc.stats.fullReads, userProcesses, 'young: refreshed again the next scan');
    sc.close();
    const old = scanner(fake);
    writeFileSync(join(fake.root, 'uptime'), '100000.00 900.00\n');
    old.scan(list);
    for (let i = 0; i < 10; i++) {
      old.scan(list);
      assert.equal(old.stats.fullReads, 0, `settled: nothing due in scan ${i + 2}`);
    }
    old.close();
  } finally {
    sc.close();
    fake.remove();
  }
});

test('held fds never pass the process-wide fd ceiling, whatever the budget says', () => {
  const fake = makeFakeProc();
  // The lowest free fd number is handed out first: a ceiling a few above today's count
  // leaves room for a few held fds only (this is how other scanners' fds are counted too).
  const ceiling = openFdCount() + 6;
  const sc = new ProcScanner({ procRoot: fake.root, pageSizeKiB: 4, maxCachedFds: 1000, fdCeiling: ceiling, refreshMaxScans: 64 });
  const ref = scanner(fake, 0);
  try {
    const list = sc.listPids();
    sc.scan(list);
    const got = sc.scan(list);
    assert.ok(sc.stats.cachedFds <= 6, `held ${sc.stats.cachedFds}`);
    assert.ok(openFdCount() <= ceiling + 1, 'the process stays under the ceiling');
    ref.scan(list);
    assert.deepEqual(got, ref.scan(list), 'the rest are read uncached, with the same result');
    assert.equal(sc.stats.errors, 0);
  } finally {
    sc.close();
    ref.close();
    fake.remove();
  }
});
