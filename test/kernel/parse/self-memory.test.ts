// Parsers for reapd's own memory report: page faults from stat, code pages from smaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSmapsFilePages, parseStatFaults } from '../../../src/kernel/parse/self-memory.js';

test('parseStatFaults: minflt and majflt after the last ")" (a comm with ") (" in it)', () => {
  // A real line with comm "a) (b", fields up to majflt.
  const line = '4242 (a) (b) S 1 4242 4242 0 -1 4194560 2179 0 37 0 5 3 0 0 20 0 1 0 123456 1000000 250';
  assert.deepEqual(parseStatFaults(line), { minorFaults: 2179, majorFaults: 37 });
  assert.equal(parseStatFaults('4242 (x) S 1'), undefined);
  assert.equal(parseStatFaults('no paren here'), undefined);
  const own = parseStatFaults(readFileSync('/proc/self/stat', 'utf8'));
  assert.ok(own && own.minorFaults > 0, 'this process has faulted pages in');
});

test('parseSmapsFilePages: file-backed mappings only; locked = VmFlags "lo", on fault = "lf"', () => {
  const text = [
    '5603c4a00000-5603c6b1d000 r-xp 00a00000 fe:00 1311                       /usr/bin/node',
    'Rss:               20480 kB',
    'Locked:            10240 kB',
    'VmFlags: rd ex mr mw me lo lf sd',
    '5603c6b1d000-5603c6b20000 r--p 02b1d000 fe:00 1311                       /usr/bin/node',
    'Rss:                  12 kB',
    'Locked:                0 kB',
    'VmFlags: rd mr mw me sd',
    '7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ',
    'Rss:                1024 kB',
    'Locked:             1024 kB',
    'VmFlags: rd wr mr mw me lo ac sd',
    '7f0000100000-7f0000101000 r--p 00000000 fe:00 9  /tmp/gone (deleted)',
    'Rss:                   4 kB',
    'VmFlags: rd mr mw me lo',
  ].join('\n');
  assert.deepEqual(parseSmapsFilePages(text), {
    mappings: 2, lockedMappings: 1, onFaultMappings: 1, residentKiB: 20492, lockedKiB: 10240, residentInLockedKiB: 20480,
  });
  assert.equal(parseSmapsFilePages('').mappings, 0);
  const own = parseSmapsFilePages(readFileSync('/proc/self/smaps', 'utf8'));
  assert.ok(own.mappings > 5 && own.residentKiB > 1024, 'node and its libraries are file-backed and resident');
});
