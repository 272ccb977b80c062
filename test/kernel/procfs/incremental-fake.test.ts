// The incremental scan's rules on a fake procRoot: what it reads at every scan (statm,
// oom_score_adj), what it serves from earlier reads (stat, while statm stands), when it
// reads stat and status again, and confirm(). Regular files stand in for held /proc
// fds; the real kernel's identity answers (ESRCH) are in incremental-live.test.ts.
import { test } from 'node:test';
import { readdirSync, readlinkSync } from 'node:fs';
import assert from 'node:assert/strict';
import { ProcScanner, type ScanOptions } from '../../../src/kernel/procfs/scanner.js';
import { getPolicy } from '../../../src/policy/registry.js';
import { NO_RULES } from '../../../src/policy/types.js';
import type { Policy } from '../../../src/policy/types.js';
import type { ProcessInfo, Snapshot } from '../../../src/model/snapshot.js';
import { fixture, makeFakeProc, type FakeProc } from './fake-root.js';

const INCREMENTAL: ScanOptions = { incremental: true, oomScore: false };

function scanner(fake: FakeProc): ProcScanner {
  // Settled processes (a late uptime): nothing comes due on the refresh schedule for 64 scans.
  fake.write('shell', '../uptime', '100000.00 900.00\n');
  return new ProcScanner({ procRoot: fake.root, pageSizeKiB: 4, maxCachedFds: 1000, refreshMaxScans: 64 });
}

function byPid(list: readonly ProcessInfo[], pid: number): ProcessInfo | undefined {
  return list.find((p) => p.pid === pid);
}

/** The hog's stat with another state letter and, optionally, flags. */
function hogStat(state: string, flags = 4194304): string {
  return fixture('hog-adj500', 'stat').replace('(hog) S', `(hog) ${state}`).replace(' 4194304 ', ` ${flags} `);
}

/** A fake procRoot and a scanner on it, removed and closed after fn, whatever it throws. */
function withFake(fn: (fake: FakeProc, sc: ProcScanner, list: number[], hog: number) => void): void {
  const fake = makeFakeProc();
  const sc = scanner(fake);
  try {
    fn(fake, sc, sc.listPids(), fake.pids.get('hog-adj500') as number);
  } finally {
    sc.close();
    fake.remove();
  }
}

test('an adj that changes between scans is seen at once; stat is not read again while statm stands', () => {
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL); // first sight: everything
    assert.equal(sc.stats.statReads, fake.pids.size);
    fake.write('hog-adj500', 'oom_score_adj', '-100\n');
    const next = sc.scan(list, INCREMENTAL);
    assert.equal(byPid(next, hog)?.oomScoreAdj, -100);
    // Kernel threads' stat (their identity check) and the D-state process; nothing else.
    const kthreads = next.filter((p) => p.kernelThread).length;
    assert.equal(sc.stats.statReads, kthreads + 2, 'stat of the kernel threads, the D sleeper and the zombie (statm all zeros) only');
    assert.equal(byPid(next, hog)?.oomScore, undefined, 'oom_score is left out when not asked for');
    assert.equal(byPid(sc.scan(list, { incremental: true, oomScore: true }), hog)?.oomScore, Number(fixture('hog-adj500', 'oom_score')));
  });
});

test('exec moves statm: stat, status, cgroup and cmdline are read again (new name at once)', () => {
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL);
    sc.scan(list, INCREMENTAL);
    fake.write('hog-adj500', 'stat', fixture('hog-adj500', 'stat').replace('(hog)', '(newprog)'));
    fake.write('hog-adj500', 'statm', '900 300 200 20 0 100 0\n');
    fake.write('hog-adj500', 'cmdline', 'newprog\0--flag\0');
    const p = byPid(sc.scan(list, INCREMENTAL), hog);
    assert.equal(p?.name, 'newprog');
    assert.equal(p?.cmdline, 'newprog --flag');
    assert.equal(sc.stats.fullReads, 1);
  });
});

test('a process that becomes a zombie is seen as one (its statm reads all zeros) and is never a victim', () => {
  const simpleLmk = getPolicy('simple-lmk') as Policy<unknown, unknown>;
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL);
    sc.scan(list, INCREMENTAL);
    // SIGKILL, exit_mm, exit_notify: state Z, PF_EXITING, statm zeros; status has no Rss lines.
    fake.write('hog-adj500', 'stat', hogStat('Z', 4194304 | 4));
    fake.write('hog-adj500', 'statm', '0 0 0 0 0 0 0\n');
    fake.write('hog-adj500', 'status', fixture('zombie', 'status'));
    const processes = sc.scan(list, INCREMENTAL);
    const p = byPid(processes, hog);
    assert.equal(p?.state, 'Z');
    assert.equal(p?.exiting, true);
    const snapshot: Snapshot = { version: 1, memory: memoryOf(), processes };
    const d = simpleLmk.decide(snapshot, simpleLmk.initialState(), simpleLmk.defaultParams(), { nowMs: 0, rules: NO_RULES });
    assert.ok(!d.victims.some((v) => v.pid === hog), 'the zombie is not chosen');
    assert.equal(d.skipped.find((s) => s.pid === hog)?.reason, 'zombie');
  });
});

test('a process that is no longer listed disappears, and its held fds are closed', () => {
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL);
    assert.equal(fdsInto(fake, hog), 4, 'stat, statm, oom_score, oom_score_adj held');
    const after = sc.scan(list.filter((pid) => pid !== hog), INCREMENTAL);
    assert.equal(byPid(after, hog), undefined);
    assert.equal(fdsInto(fake, hog), 0);
  });
});

test('without swap, statm moved by file pages only: sizes from statm now, status later (refreshDue)', () => {
  const opts: ScanOptions = { ...INCREMENTAL, swapless: true };
  withFake((fake, sc, list, hog) => {
    sc.scan(list, opts);
    sc.scan(list, opts);
    // Reclaim drops 200 file pages: resident and shared fall together, anon stays 16409 pages.
    fake.write('hog-adj500', 'statm', '17003 16546 137 1 0 16473 0\n');
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status').replace(/RssFile:\s+\d+ kB/, 'RssFile:\t     548 kB'));
    const p = byPid(sc.scan(list, opts), hog);
    assert.equal(sc.stats.statusDeferred, 1);
    assert.equal(sc.stats.statusReads, 1, 'only the D sleeper\'s status is read at the event');
    assert.equal(p?.rssAnonKiB, (16546 - 137) * 4, 'anon = resident - shared, exactly');
    assert.equal((p?.rssFileKiB ?? 0) + (p?.rssShmemKiB ?? 0), 137 * 4, 'file + shmem = shared, exactly');
    assert.equal(sc.refreshDue(100), false, 'the put-off status read ran');
    const q = byPid(sc.scan(list, opts), hog);
    assert.equal(q?.rssFileKiB, 548, 'the exact split from status');
    assert.equal(sc.stats.statusDeferred, 0);
    // With swap (no `swapless`), a move is read in full at once: VmSwap may have moved.
    fake.write('hog-adj500', 'statm', '17003 16446 37 1 0 16473 0\n');
    sc.scan(list, INCREMENTAL);
    assert.equal(sc.stats.statusDeferred, 0);
    assert.equal(sc.stats.statusReads, 2);
  });
});

test('a process sleeping in D has stat and status read at every incremental scan (a pending SIGKILL shows there)', () => {
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL);
    fake.write('hog-adj500', 'stat', hogStat('D'));
    fake.write('hog-adj500', 'statm', '17003 16747 337 1 0 16473 0\n'); // the move that lets us see D
    assert.equal(byPid(sc.scan(list, INCREMENTAL), hog)?.exiting, false);
    // Killed while frozen: nothing moves in statm, yet the next scan sees SIGKILL pending.
    fake.write('hog-adj500', 'status', fixture('frozen-killed', 'status'));
    assert.equal(byPid(sc.scan(list, INCREMENTAL), hog)?.exiting, true);
  });
});

test('confirm(): stat read afresh for the victims catches what the incremental scan served from earlier reads', () => {
  withFake((fake, sc, list, hog) => {
    sc.scan(list, INCREMENTAL);
    const stale = byPid(sc.scan(list, INCREMENTAL), hog) as ProcessInfo;
    assert.equal(sc.confirm([stale]), true, 'nothing changed');
    // PF_EXITING set, statm not yet zero (exit_mm has not run): the scan could not see it.
    fake.write('hog-adj500', 'stat', hogStat('R', 4194304 | 4));
    const served = byPid(sc.scan(list, INCREMENTAL), hog) as ProcessInfo;
    assert.equal(served.exiting, false, 'served from the last stat read');
    assert.equal(sc.confirm([served]), false, 'the victim is exiting: decide again on a full scan');
    const full = byPid(sc.scan(list, { incremental: false }), hog);
    assert.equal(full?.exiting, true);
    // Another adj since the scan, or SIGKILL pending (status), also fails the confirmation.
    fake.write('hog-adj500', 'stat', fixture('hog-adj500', 'stat'));
    sc.scan(list, INCREMENTAL); // stat read again (it said exiting), then served from it:
    const again = byPid(sc.scan(list, INCREMENTAL), hog) as ProcessInfo;
    assert.equal(sc.confirm([again]), true);
    fake.write('hog-adj500', 'oom_score_adj', '0\n');
    assert.equal(sc.confirm([again]), false);
    fake.write('hog-adj500', 'oom_score_adj', String(again.oomScoreAdj));
    fake.write('hog-adj500', 'status', fixture('frozen-killed', 'status'));
    assert.equal(sc.confirm([again]), false);
  });
});

test('refreshes that come due are put off by an incremental scan and run by refreshDue(), as a full scan would', () => {
  const fake = makeFakeProc();
  // Young processes (the fixtures started 466.7 s after boot): refreshed 1, 2, 4 … scans after first sight.
  fake.write('shell', '../uptime', '470.00 900.00\n');
  const sc = new ProcScanner({ procRoot: fake.root, pageSizeKiB: 4, maxCachedFds: 1000, refreshMaxScans: 64 });
  try {
    const list = sc.listPids();
    const users = list.length - 2; // two kernel threads
    sc.scan(list, INCREMENTAL);
    const cmdlineBefore = byPid(sc.scan(list, INCREMENTAL), fake.pids.get('hog-adj500') as number)?.cmdline;
    assert.ok(sc.stats.fullReads <= 4, 'only a few refreshes at the event');
    assert.equal(sc.stats.refreshesPutOff, users - sc.stats.fullReads);
    fake.write('hog-adj500', 'cmdline', 'renamed\0');
    while (sc.refreshDue(3));
    const p = byPid(sc.scan(list, INCREMENTAL), fake.pids.get('hog-adj500') as number);
    assert.notEqual(cmdlineBefore, 'renamed');
    assert.equal(p?.cmdline, 'renamed', 'the put-off refresh read cmdline again');
  } finally {
    sc.close();
    fake.remove();
  }
});

/** Fds this process holds on files of one fake pid directory. */
function fdsInto(fake: FakeProc, pid: number): number {
  const dir = `${fake.root}/${pid}/`;
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;
}

function memoryOf(): Snapshot['memory'] {
  return {
    totalKiB: 1 << 20, freeKiB: 1024, availableKiB: 1024, cachedKiB: 0, buffersKiB: 0, shmemKiB: 0,
    unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 0,
  };
}

test('lazy sizes: a settled process has only oom_score_adj read; freshen() re-reads the sizes asked for, once', () => {
  withFake((fake, sc, list, hog) => {
    const lazy: ScanOptions = { ...INCREMENTAL, lazySizes: true };
    sc.scan(list, lazy); // first sight: everything
    sc.scan(list, lazy);
    const before = byPid(sc.scan(list, lazy), hog) as ProcessInfo;
    assert.equal(before.rssAnonKiB, 65636);
    // The hog grows by 64 MiB of anon (statm and status move together, as in the kernel).
    fake.write('hog-adj500', 'statm', '33387 33130 337 1 0 32857 0\n');
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status').replace(/RssAnon:\s+65636 kB/, 'RssAnon:\t  131172 kB'));
    fake.write('hog-adj500', 'oom_score_adj', '600\n');
    const served = sc.scan(list, lazy);
    assert.ok(sc.stats.sizesServed >= 1);
    assert.equal(sc.stats.statReads, served.filter((p) => p.kernelThread).length + 2, 'no stat read for the served ones (kthreads, the D sleeper and the zombie only)');
    const p = byPid(served, hog) as ProcessInfo;
    assert.equal(p.oomScoreAdj, 600, 'oom_score_adj is read at every scan');
    assert.equal(p.rssAnonKiB, 65636, 'the size is the last read one');

    const fresh = sc.freshen((x) => x.pid === hog);
    assert.ok(fresh, 'the hog\'s size was served: re-read');
    assert.equal(byPid(fresh, hog)?.rssAnonKiB, 131172);
    assert.equal(byPid(fresh, hog)?.oomScoreAdj, 600);
    assert.equal(fresh.length, served.length, 'every other process as the scan gave it');
    assert.equal(sc.stats.sizesFreshened, 1);
    assert.equal(sc.freshen((x) => x.pid === hog), undefined, 'read fresh now: nothing to re-read');
    // A full scan never serves a size.
    sc.scan(list, INCREMENTAL);
    assert.equal(sc.stats.sizesServed, 0);
  });
});

test('lazy sizes: a process whose last read found no resident pages is always read (no-memory is never a stale verdict)', () => {
  withFake((fake, sc, list, hog) => {
    const lazy: ScanOptions = { ...INCREMENTAL, lazySizes: true };
    fake.write('hog-adj500', 'statm', '17003 0 0 1 0 16473 0\n');
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status').replace(/RssAnon:\s+65636 kB/, 'RssAnon:\t       0 kB').replace(/RssFile:\s+1348 kB/, 'RssFile:\t       0 kB'));
    sc.scan(list, lazy);
    sc.scan(list, lazy);
    fake.write('hog-adj500', 'statm', fixture('hog-adj500', 'statm'));
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status'));
    assert.equal(byPid(sc.scan(list, lazy), hog)?.rssAnonKiB, 65636, 'read at once, not served as 0');
  });
});

test('lazy sizes: once confirmed as a victim a process is read in full at every scan, so its exit shows at once', () => {
  withFake((fake, sc, list, hog) => {
    const lazy: ScanOptions = { ...INCREMENTAL, lazySizes: true };
    sc.scan(list, lazy);
    sc.scan(list, lazy);
    const served = sc.scan(list, lazy);
    const before = sc.stats.sizesServed;
    assert.ok(before >= 1);
    assert.equal(sc.confirm([byPid(served, hog) as ProcessInfo]), true);
    // SIGKILL, exit_mm, exit_notify: a zombie (lowmemorykiller's death-pending rule watches for it).
    fake.write('hog-adj500', 'stat', hogStat('Z', 4194304 | 4));
    fake.write('hog-adj500', 'statm', '0 0 0 0 0 0 0\n');
    fake.write('hog-adj500', 'status', fixture('zombie', 'status'));
    const after = sc.scan(list, lazy);
    assert.equal(sc.stats.sizesServed, before - 1, 'every size served as before but the victim\'s');
    assert.equal(byPid(after, hog)?.state, 'Z');
  });
});

test('lazy sizes where the fd budget holds only stat and oom_score_adj (2 fds a process): sizes served all the same', () => {
  const fake = makeFakeProc();
  fake.write('shell', '../uptime', '100000.00 900.00\n');
  const sc = new ProcScanner({ procRoot: fake.root, pageSizeKiB: 4, maxCachedFds: 2 * fake.pids.size, refreshMaxScans: 64 });
  try {
    const list = sc.listPids();
    const hog = fake.pids.get('hog-adj500') as number;
    const lazy: ScanOptions = { ...INCREMENTAL, lazySizes: true };
    sc.scan(list, lazy);
    sc.scan(list, lazy);
    assert.equal(fdsInto(fake, hog), 2, 'stat and oom_score_adj held');
    fake.write('hog-adj500', 'statm', '33387 33130 337 1 0 32857 0\n');
    fake.write('hog-adj500', 'status', fixture('hog-adj500', 'status').replace(/RssAnon:\s+65636 kB/, 'RssAnon:\t  131172 kB'));
    assert.equal(byPid(sc.scan(list, lazy), hog)?.rssAnonKiB, 65636, 'served');
    assert.ok(sc.stats.sizesServed >= 1);
    assert.equal(byPid(sc.freshen((p) => p.pid === hog) ?? [], hog)?.rssAnonKiB, 131172, 're-read by path');
  } finally {
    sc.close();
    fake.remove();
  }
});
