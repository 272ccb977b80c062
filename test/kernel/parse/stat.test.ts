import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat, parseProcStatBytes, PF_EXITING, PF_KTHREAD } from '../../../src/kernel/parse/stat.js';
import { parseProcStatus } from '../../../src/kernel/parse/status.js';
import { fixtureBytes, fixtureText, processKinds } from './fixtures.js';

test('stat fixtures agree with the same process status file (independent kernel text)', () => {
  const kinds = processKinds();
  assert.ok(kinds.length >= 8, `expected the captured fixtures, found ${kinds.join(',')}`);
  for (const kind of kinds) {
    const stat = parseProcStatBytes(fixtureBytes(kind, 'stat'));
    const status = parseProcStatus(fixtureText(kind, 'status'));
    assert.ok(stat, `${kind}: stat parsed`);
    assert.ok(status, `${kind}: status parsed`);
    assert.equal(stat.pid, Number(fixtureText(kind, 'pid')), `${kind}: pid`);
    assert.equal(stat.comm, status.name, `${kind}: comm vs Name`);
    assert.equal(stat.state, status.state, `${kind}: state`);
    assert.equal(stat.ppid, status.ppid, `${kind}: ppid`);
    assert.equal(stat.numThreads, status.threads, `${kind}: threads`);
    if (status.kthread !== undefined) assert.equal(stat.kernelThread, status.kthread, `${kind}: Kthread line`);
    assert.deepEqual(parseProcStat(fixtureText(kind, 'stat')), stat, `${kind}: text and bytes parsers agree`);
  }
});

test('hostile comms from real processes come back exactly', () => {
  const cases: Array<[string, string]> = [
    ['hostile-paren', 'a) Z (b'],
    ['newline-comm', 'ev) 1 (x\ny'],
    ['utf8-comm', '日本語プロ'], // 21 bytes cut to 15: five whole characters
    ['utf8-cut-comm', 'héllo wörld \uFFFD'], // the snowman cut after its first byte
  ];
  for (const [kind, comm] of cases) assert.equal(parseProcStatBytes(fixtureBytes(kind, 'stat'))?.comm, comm, kind);
});

test('kernel threads by PF_KTHREAD, zombies and dying processes as exiting', () => {
  const kthread = parseProcStatBytes(fixtureBytes('kthread', 'stat'));
  assert.equal(kthread?.kernelThread, true);
  assert.equal(kthread?.exiting, false);
  assert.equal(parseProcStatBytes(fixtureBytes('kworker', 'stat'))?.kernelThread, true);
  const zombie = parseProcStatBytes(fixtureBytes('zombie', 'stat'));
  assert.equal(zombie?.state, 'Z');
  assert.equal(zombie?.exiting, true);
  assert.equal(zombie?.kernelThread, false, 'a zombie has an empty cmdline but is no kernel thread');
  assert.equal(fixtureBytes('zombie', 'cmdline').length, 0);
  for (const kind of ['shell', 'hog-adj500', 'multithread', 'hostile-paren']) {
    const s = parseProcStatBytes(fixtureBytes(kind, 'stat'));
    assert.equal(s?.kernelThread, false, kind);
    assert.equal(s?.exiting, false, kind);
  }
  assert.ok((parseProcStatBytes(fixtureBytes('multithread', 'stat'))?.numThreads ?? 0) > 1);
});

test('flags decide kernelThread and exiting; state Z and X are exiting', () => {
  const line = (state: string, flags: number): string =>
    `42 (x) ${state} 1 42 42 0 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 777 0 5 18446744073709551615 0\n`;
  assert.equal(parseProcStat(line('S', PF_KTHREAD))?.kernelThread, true);
  assert.equal(parseProcStat(line('S', PF_KTHREAD | PF_EXITING))?.exiting, true);
  assert.equal(parseProcStat(line('S', 0x40))?.exiting, false);
  assert.equal(parseProcStat(line('Z', 0))?.exiting, true);
  assert.equal(parseProcStat(line('X', 0))?.exiting, true);
  assert.equal(parseProcStat(line('S', 0x80000000 + PF_KTHREAD))?.kernelThread, true, 'high flag bits do not confuse the test');
  const s = parseProcStat(line('D', 0));
  assert.equal(s?.startTime, 777);
  assert.equal(s?.rssPages, 5);
  assert.equal(s?.ppid, 1);
});

test('hostile and broken stat text gives undefined, never a wrong record', () => {
  const tail = ' S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0';
  assert.equal(parseProcStat(`7 ()${tail}`)?.comm, '', 'empty comm');
  assert.equal(parseProcStat(`7 (a) (b) c)${tail}`)?.comm, 'a) (b) c', 'last paren wins');
  assert.equal(parseProcStat(`7 ((()${tail}`)?.comm, '((', 'only open parens');
  assert.equal(parseProcStat(`7 (x y\n)${tail}`)?.comm, 'x y\n');
  for (const bad of [
    '', '\n', '7', '7 (x', '7 (x) ', '7 x) S 1', `(x)${tail}`, `-7 (x)${tail}`, `7 (x)S 1`,
    '7 (x) S 1 1 1 0 -1 4194304 0 0', // truncated before starttime
    `7 (x) S 1 1 1 0 -1 -5 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0`, // negative flags
    `7 (x) S 1 1 1 0 -1 abc 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0`,
    `x7 (x)${tail}`,
  ]) {
    assert.equal(parseProcStat(bad), undefined, JSON.stringify(bad));
  }
  // The byte parser honours the length it is given (the scanner's buffer holds old bytes past it).
  const fresh = `9 (ok)${tail}\n`;
  const buf = Buffer.from(fresh + 'stale) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n');
  assert.equal(parseProcStatBytes(buf, fresh.length)?.comm, 'ok');
  assert.equal(parseProcStatBytes(buf)?.comm, `ok)${tail}\nstale`, 'without the length the stale paren would win');
  assert.equal(parseProcStatBytes(buf, 5), undefined);
  assert.equal(parseProcStatBytes(buf, 10_000)?.startTime, 5, 'a length past the buffer is clamped');
});
