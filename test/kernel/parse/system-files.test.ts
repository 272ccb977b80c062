import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcgFileBytes, parseCgroupProcs, parseMemcgBytes, parseMemcgLimit, parseMemcgStat } from '../../../src/kernel/parse/memcg.js';
import { parseMeminfo, parseMeminfoFields } from '../../../src/kernel/parse/meminfo.js';
import { parseMountinfo } from '../../../src/kernel/parse/mountinfo.js';
import { parseZoneinfo, parseZoneinfoReserveKiB } from '../../../src/kernel/parse/zoneinfo.js';
import { fixtureText } from './fixtures.js';

test('meminfo: the MemoryState fields from real text', () => {
  const text = fixtureText('meminfo');
  const m = parseMeminfo(text);
  assert.ok(m);
  const fields = parseMeminfoFields(text);
  assert.equal(m.totalKiB, fields.get('MemTotal'));
  assert.equal(m.availableKiB, fields.get('MemAvailable'));
  assert.equal(m.swapTotalKiB, 0, 'this machine has no swap');
  assert.ok(m.freeKiB <= m.totalKiB && m.availableKiB <= m.totalKiB && m.cachedKiB < m.totalKiB);
  assert.equal(fields.get('HugePages_Total'), 0, 'unit-less lines are read too');
  assert.equal(parseMeminfo(text.replace(/^MemAvailable:.*\n/m, '')), undefined, 'a missing field is not guessed');
  assert.equal(parseMeminfo(''), undefined);
});

test('zoneinfo: reserve = Σ min(managed, max(protection) + high) over zones', () => {
  const zones = parseZoneinfo(fixtureText('zoneinfo'));
  assert.ok(zones);
  assert.deepEqual(zones.map((z) => z.zone), ['DMA', 'DMA32', 'Normal', 'Movable', 'Device']);
  for (const z of zones) {
    assert.ok(z.reservePages <= z.managedPages, `${z.zone}: capped at managed`);
    assert.equal(z.reservePages, Math.min(z.managedPages, z.maxProtectionPages + z.highPages));
  }
  const movable = zones.find((z) => z.zone === 'Movable');
  assert.equal(movable?.reservePages, 0, 'an empty zone reserves nothing even with a high watermark');
  const total = zones.reduce((a, z) => a + z.reservePages, 0);
  assert.equal(parseZoneinfoReserveKiB(fixtureText('zoneinfo'), 4), total * 4);
});

test('zoneinfo: per-cpu "high:" lines are not the watermark, the boost is taken out; two nodes', () => {
  const text = [
    'Node 0, zone   Normal',
    '  pages free     100',
    '        min      10',
    '        high     30',
    '        managed  1000',
    '        protection: (0, 0, 5)',
    '  pagesets',
    '    cpu: 0',
    '              count: 7',
    '              high:  999',
    'Node 1, zone   Normal',
    '        boost    5',
    '        high     25',
    '        present  15',
    '        protection: ()',
  ].join('\n');
  const zones = parseZoneinfo(text);
  assert.deepEqual(zones?.map((z) => [z.node, z.highPages, z.reservePages]), [[0, 30, 35], [1, 20, 15]]);
  assert.equal(parseZoneinfoReserveKiB(text, 16), 50 * 16);
  assert.equal(parseZoneinfo('Node 0, zone DMA\n'), undefined);
  assert.equal(parseZoneinfoReserveKiB('', 4), undefined);
});

test('memcg v1 files captured from a real group', () => {
  const usage = parseMemcgBytes(fixtureText('memcg-v1', 'memory.usage_in_bytes'));
  assert.ok(usage !== undefined && usage >= 64 * 1024 * 1024, 'the 64 MiB hog is charged');
  assert.equal(parseMemcgLimit(fixtureText('memcg-v1', 'memory.limit_in_bytes')), 256 * 1024 * 1024);
  assert.equal(parseMemcgLimit(fixtureText('memcg-v1-root', 'memory.limit_in_bytes')), null, 'root: the page-counter max');
  const stat = parseMemcgStat(fixtureText('memcg-v1', 'memory.stat'));
  assert.equal(memcgFileBytes(stat), stat.get('total_cache'));
  assert.deepEqual(parseCgroupProcs(fixtureText('memcg-v1', 'cgroup.procs')), [Number(fixtureText('hog-adj500', 'pid'))]);
});

test('memcg v2 files (kernel format) and limits', () => {
  assert.equal(parseMemcgBytes(fixtureText('memcg-v2', 'memory.current')), 52428800);
  assert.equal(parseMemcgLimit(fixtureText('memcg-v2', 'memory.max')), null);
  assert.equal(memcgFileBytes(parseMemcgStat(fixtureText('memcg-v2', 'memory.stat'))), 8388608);
  assert.equal(parseMemcgLimit('9223372036854771712\n'), null, 'v1 no-limit with 4 KiB pages');
  assert.equal(parseMemcgLimit('9223372036854710272\n'), null, 'v1 no-limit with 64 KiB pages');
  assert.equal(parseMemcgLimit('1073741824\n'), 1073741824);
  for (const bad of ['', '-1', 'unlimited', '1e9', '99999999999999999999999999999999999']) {
    assert.equal(parseMemcgLimit(bad), undefined, bad);
  }
  assert.equal(memcgFileBytes(parseMemcgStat('cache 10\n')), 10, 'v1 without hierarchy');
  assert.deepEqual(parseCgroupProcs('1\n\nx\n0\n-5\n22\n'), [1, 22]);
});

test('mountinfo: cgroup mounts and escaped paths', () => {
  const mounts = parseMountinfo(fixtureText('mountinfo'));
  const v2 = mounts.filter((m) => m.fsType === 'cgroup2');
  assert.equal(v2.length, 1);
  assert.equal(v2[0]?.mountPoint, '/sys/fs/cgroup/unified');
  const mem = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('memory'));
  assert.equal(mem?.mountPoint, '/sys/fs/cgroup/memory');
  const odd = parseMountinfo('99 1 0:5 / /mnt/a\\040b rw shared:1 master:2 - tmpfs my\\040src rw,size=4k\nshort line\n');
  assert.deepEqual(odd, [{ root: '/', mountPoint: '/mnt/a b', fsType: 'tmpfs', source: 'my src', superOptions: ['rw', 'size=4k'] }]);
});
