// Property tests (DESIGN.md example 6): every parser is total on arbitrary strings and
// bytes, and a stat line round-trips any comm, however hostile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCgroupProcs, parseMemcgBytes, parseMemcgLimit, parseMemcgStat } from '../../../src/kernel/parse/memcg.js';
import { parseMeminfo, parseMeminfoFields } from '../../../src/kernel/parse/meminfo.js';
import { parseMountinfo } from '../../../src/kernel/parse/mountinfo.js';
import { parseOomScore, parseOomScoreAdj, parseOomScoreAdjBytes, parseOomScoreBytes } from '../../../src/kernel/parse/oom.js';
import { parseProcCgroup } from '../../../src/kernel/parse/cgroup.js';
import { parseProcStat, parseProcStatBytes } from '../../../src/kernel/parse/stat.js';
import { parseProcStatus, unescapeProcName } from '../../../src/kernel/parse/status.js';
import { parseSmapsFilePages, parseStatFaults } from '../../../src/kernel/parse/self-memory.js';
import { parseStatm, parseStatmBytes } from '../../../src/kernel/parse/statm.js';
import { parseSwaps, parseZramMmStat } from '../../../src/kernel/parse/zram.js';
import { parseVmstat } from '../../../src/kernel/parse/vmstat.js';
import { parseZoneWatermarksKiB, parseZoneinfo, parseZoneinfoReserveKiB } from '../../../src/kernel/parse/zoneinfo.js';

const TEXT_PARSERS: Array<[string, (t: string) => unknown]> = [
  ['stat', parseProcStat],
  ['statm', parseStatm],
  ['status', parseProcStatus],
  ['oom_score_adj', parseOomScoreAdj],
  ['oom_score', parseOomScore],
  ['cgroup', parseProcCgroup],
  ['meminfo', parseMeminfo],
  ['meminfo fields', parseMeminfoFields],
  ['zoneinfo', parseZoneinfo],
  ['zoneinfo reserve', (t) => parseZoneinfoReserveKiB(t, 4)],
  ['zoneinfo watermarks', (t) => parseZoneWatermarksKiB(t, 4)],
  ['vmstat', (t) => parseVmstat(t, 4)],
  ['zram mm_stat', parseZramMmStat],
  ['swaps', parseSwaps],
  ['memcg bytes', parseMemcgBytes],
  ['memcg limit', parseMemcgLimit],
  ['memcg stat', parseMemcgStat],
  ['cgroup.procs', parseCgroupProcs],
  ['mountinfo', parseMountinfo],
  ['name unescape', unescapeProcName],
  ['stat faults', parseStatFaults],
  ['smaps file pages', parseSmapsFilePages],
];

const BYTE_PARSERS: Array<[string, (b: Uint8Array, n: number) => unknown]> = [
  ['stat', parseProcStatBytes],
  ['statm', parseStatmBytes],
  ['oom_score_adj', parseOomScoreAdjBytes],
  ['oom_score', parseOomScoreBytes],
];

// Text that looks like /proc: digits, spaces, parens, colons, newlines, and anything else.
const procish = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('(', ')', ' ', '\n', ':', '-', '0', '1', '9', 'kB', 'Name', 'high', 'Node 0, zone', 'protection: (', ','), { maxLength: 80 }).map((a) => a.join('')),
);

test('text parsers never throw', () => {
  for (const [name, fn] of TEXT_PARSERS) {
    fc.assert(fc.property(procish, (t) => void fn(t)), { numRuns: 400 });
    assert.doesNotThrow(() => fn(undefined as unknown as string), name);
  }
});

test('byte parsers never throw, whatever the length they are told', () => {
  for (const [, fn] of BYTE_PARSERS) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: -5, max: 400 }), (b, n) => void fn(b, n)), { numRuns: 400 });
  }
});

test('any comm (no NUL) survives a stat line round trip', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.includes('\0')), fc.nat(), (comm, startTime) => {
      const line = `123 (${comm}) S 1 2 3 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 ${startTime} 100 7 18446744073709551615 0 0\n`;
      const s = parseProcStat(line);
      // Lone surrogates cannot be written as UTF-8: the kernel would hold U+FFFD's bytes.
      assert.equal(s?.comm, Buffer.from(comm, 'utf8').toString('utf8'));
      assert.equal(s?.startTime, startTime);
      assert.equal(s?.pid, 123);
    }),
    { numRuns: 500 },
  );
});
