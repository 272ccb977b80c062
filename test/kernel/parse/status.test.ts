import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStatus, unescapeProcName } from '../../../src/kernel/parse/status.js';
import { fixtureText, processKinds } from './fixtures.js';

test('a real process: uid, the Rss split and swap', () => {
  const s = parseProcStatus(fixtureText('hog-adj500', 'status'));
  assert.ok(s);
  assert.equal(s.name, 'hog');
  assert.deepEqual(s.uid, { real: 0, effective: 0, saved: 0, fs: 0 });
  assert.ok((s.rssAnonKiB ?? 0) >= 64 * 1024, 'the hog touched 64 MiB');
  assert.equal(s.vmRssKiB, (s.rssAnonKiB ?? 0) + (s.rssFileKiB ?? 0) + (s.rssShmemKiB ?? 0), 'VmRSS is the sum of the split');
  assert.equal(s.vmSwapKiB, 0);
  assert.equal(s.sigkillPending, false);
  assert.equal(s.kthread, false);
});

test('kernel threads and zombies have no Rss lines; every fixture has a uid', () => {
  for (const kind of ['kthread', 'kworker', 'zombie']) {
    const s = parseProcStatus(fixtureText(kind, 'status'));
    assert.ok(s, kind);
    assert.equal(s.rssAnonKiB, undefined, kind);
    assert.equal(s.vmSwapKiB, undefined, kind);
  }
  assert.equal(parseProcStatus(fixtureText('kthread', 'status'))?.kthread, true);
  for (const kind of processKinds()) assert.equal(parseProcStatus(fixtureText(kind, 'status'))?.uid?.real, 0, kind);
});

test('SIGKILL pending on a v1-frozen process that was killed (state D, SigPnd 0x100)', () => {
  const s = parseProcStatus(fixtureText('frozen-killed', 'status'));
  assert.equal(s?.state, 'D');
  assert.equal(s?.sigPnd, 0x100n);
  assert.equal(s?.sigkillPending, true);
  const only = (line: string): boolean | undefined => parseProcStatus(`Name:\tx\n${line}\n`)?.sigkillPending;
  assert.equal(only('ShdPnd:\t0000000000000100'), true, 'shared pending counts');
  assert.equal(only('SigPnd:\t0000000000000200'), false, 'SIGUSR1 (10) is not SIGKILL');
  assert.equal(only('SigPnd:\t0000000000004000'), false, 'SIGTERM (15) is not SIGKILL');
  assert.equal(only('SigPnd:\tzz00000000000100'), false, 'junk hex is ignored');
});

test('Name escapes: 6.x backslash escapes and 4.x/5.x octal', () => {
  assert.equal(parseProcStatus(fixtureText('newline-comm', 'status'))?.name, 'ev) 1 (x\ny');
  assert.equal(unescapeProcName('a\\\\b'), 'a\\b');
  assert.equal(unescapeProcName('a\\012b\\134c'), 'a\nb\\c');
  assert.equal(unescapeProcName('tab\\there'), 'tab\there');
  assert.equal(unescapeProcName('trailing\\'), 'trailing\\');
  assert.equal(unescapeProcName('odd\\q'), 'odd\\q');
  assert.equal(parseProcStatus('Name:\t  two spaces  \nUid:\t5\t5\t5\t5\n')?.name, '  two spaces  ');
});

test('broken status text: undefined without a Name line, missing numbers stay undefined', () => {
  assert.equal(parseProcStatus(''), undefined);
  assert.equal(parseProcStatus('Uid:\t0\t0\t0\t0\n'), undefined);
  const s = parseProcStatus('Name:\tx\nUid:\tabc\nRssAnon:\t12 MB\nVmSwap:\t-3 kB\nTgid:\t\nConstructor:\t1\n__proto__:\t1\n');
  assert.equal(s?.uid, undefined);
  assert.equal(s?.rssAnonKiB, undefined);
  assert.equal(s?.vmSwapKiB, undefined);
  assert.equal(s?.tgid, undefined);
  assert.equal(parseProcStatus('Name:\tx\nUid:\t1000\n')?.uid?.effective, 1000, 'a short Uid line repeats the real uid');
});
