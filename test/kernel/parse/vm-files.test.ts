// /proc/vmstat, zoneinfo's watermarks, /proc/swaps and zram's mm_stat, from real text:
// this machine (6.18, no swap) and the VM guest (6.12, 1 GiB zram swap; vm-zram/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseMeminfo } from '../../../src/kernel/parse/meminfo.js';
import { parseSwaps, parseZramMmStat, zramName } from '../../../src/kernel/parse/zram.js';
import { parseVmstat } from '../../../src/kernel/parse/vmstat.js';
import { parseZoneWatermarksKiB } from '../../../src/kernel/parse/zoneinfo.js';
import { readVmstat, readZoneFacts, readZramSwap } from '../../../src/kernel/procfs/memory.js';
import { fixtureText, PROC_FIXTURES } from './fixtures.js';

test('vmstat: refaults, direct and kswapd scans, the file LRU, from real 6.18 and 6.12 text', () => {
  const host = parseVmstat(fixtureText('vmstat'), 4);
  assert.ok(host);
  const line = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(fixtureText('vmstat'))?.[1]);
  assert.equal(host.workingsetRefaultFile, line('workingset_refault_file'));
  assert.equal(host.pgscanDirect, line('pgscan_direct'));
  assert.equal(host.fileLruPages, line('nr_inactive_file') + line('nr_active_file'));
  assert.equal(host.pageSizeKiB, 4);
  const guest = parseVmstat(fixtureText('vm-zram', 'vmstat'), 4);
  assert.ok(guest && guest.fileLruPages > 0);
});

test('vmstat: a kernel before 5.9 names the counter workingset_refault; a missing counter is not guessed', () => {
  const old = 'nr_inactive_file 10\nnr_active_file 20\nworkingset_refault 7\npgscan_kswapd 1\npgscan_direct 2\n';
  assert.equal(parseVmstat(old, 4)?.workingsetRefaultFile, 7);
  assert.equal(parseVmstat(old.replace('pgscan_direct 2\n', ''), 4), undefined);
  assert.equal(parseVmstat('', 4), undefined);
  assert.equal(parseVmstat('workingset_refault_file x\n', 4), undefined);
});

test('zoneinfo watermarks: Σ over zones with pages present of max(protection) + min/low/high (lmkd calc_zone_watermarks)', () => {
  // DMA: protection 3659 + 68/85/102; DMA32: 640 + 13883/17353/20823; Normal: 0 + 2943/3678/4413;
  // Movable and Device have no pages present and are left out (they still print watermarks).
  const w = parseZoneWatermarksKiB(fixtureText('zoneinfo'), 4);
  assert.deepEqual(w, {
    minKiB: (3659 + 68 + 640 + 13883 + 2943) * 4,
    lowKiB: (3659 + 85 + 640 + 17353 + 3678) * 4,
    highKiB: (3659 + 102 + 640 + 20823 + 4413) * 4,
  });
  const guest = parseZoneWatermarksKiB(fixtureText('vm-zram', 'zoneinfo'), 4);
  assert.ok(guest && guest.minKiB < guest.lowKiB && guest.lowKiB < guest.highKiB);
  assert.equal(parseZoneWatermarksKiB('', 4), undefined);
});

test('swaps and mm_stat: the zram device in use, its original and used sizes in KiB', () => {
  const devices = parseSwaps(fixtureText('vm-zram', 'swaps'));
  assert.deepEqual(devices, [{ filename: '/dev/zram0', sizeKiB: 1048572, usedKiB: 0 }]);
  assert.equal(zramName(devices[0]!), 'zram0');
  assert.equal(zramName({ filename: '/swapfile', sizeKiB: 1, usedKiB: 0 }), undefined);
  // "    4096       64    20480        0    20480        0        0        0        0"
  assert.deepEqual(parseZramMmStat(fixtureText('vm-zram', 'sys', 'block', 'zram0', 'mm_stat')), { origDataKiB: 4, memUsedKiB: 20 });
  assert.deepEqual(parseZramMmStat('1073741824 268435456 285212672 0 285212672 0 0 0\n'), { origDataKiB: 1048576, memUsedKiB: 278528 });
  assert.equal(parseZramMmStat('not mm_stat'), undefined);
  assert.equal(parseZramMmStat(''), undefined);
  assert.deepEqual(parseSwaps('Filename Type Size Used Priority\n'), []);
});

test('meminfo from the zram guest: swap total, anon (Active + Inactive) for lmkd\'s swap utilisation', () => {
  const m = parseMeminfo(fixtureText('vm-zram', 'meminfo'));
  assert.equal(m?.swapTotalKiB, 1048572);
  assert.equal(m?.anonKiB, 2637708 + 0);
});

test('readers with injected roots: the guest tree gives vmstat, watermarks and zram; this machine\'s fixtures no zram', () => {
  const guest = join(PROC_FIXTURES, 'vm-zram');
  assert.ok(readVmstat(guest, 4));
  assert.ok(readZoneFacts(guest, 4).watermarks);
  assert.deepEqual(readZramSwap(guest, join(guest, 'sys')), { origDataKiB: 4, memUsedKiB: 20 });
  assert.equal(readZramSwap(PROC_FIXTURES, '/nonexistent'), undefined, 'no /proc/swaps: no zram');
  assert.equal(readZramSwap(guest, '/nonexistent'), undefined, 'mm_stat unreadable: swapped pages count in full');
  assert.deepEqual(readZoneFacts('/nonexistent', 4), { reserveKiB: 0 });
});
