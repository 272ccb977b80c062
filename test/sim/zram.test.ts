// The virtual kernel's zram and reclaim lag: swapped pages that still cost RAM (zram_ratio),
// and free memory that falls under the watermarks before the cache's working set goes
// (reclaim_lag) — each against the same workload without the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryState } from '../../src/sim/kernel/ports.js';
import { domainOf, MiB, scenario } from './helpers.js';

/** 2 GiB, 1 GiB swap at 100 MiB/s; an idle 600 MiB process (swapped first: adj 900) and a leak. */
function leakOver(domain: Record<string, unknown>, rate: string) {
  return scenario({
    domain: [{ size: '2GiB', swap: '1GiB', swap_rate: '100MiB/s', reserve: '64MiB', cache: '600MiB', cache_floor: '400MiB', system_processes: false, ...domain }],
    process: [
      { name: 'idle', adj: 900, memory: '600MiB' },
      { name: 'leak', memory: { curve: 'leak', from: '400MiB', rate } },
    ],
  });
}

test('zram: swapped pages cost swapped / zram_ratio of RAM, and mm_stat shows both sizes', () => {
  const { domain, tick } = domainOf(leakOver({ zram_ratio: 3 }, '40MiB/s'));
  tick(20_000);
  const [idle, leak] = domain.present;
  assert.ok(idle && leak);
  assert.ok(domain.swapUsedKiB > 100 * MiB, `swapped ${domain.swapUsedKiB} KiB`);
  assert.equal(domain.zramKiB, Math.ceil(domain.swapUsedKiB / 3));
  const resident = idle.residentKiB() + leak.residentKiB();
  assert.equal(domain.usedKiB, resident + domain.zramKiB, 'zram pool counts as used RAM');
  assert.equal(domain.usedKiB + domain.cacheKiB + domain.freeKiB, 2 * 1024 * MiB, 'every KiB is somewhere');
  const m = memoryState(domain);
  assert.deepEqual(m.zram, { origDataKiB: domain.swapUsedKiB, memUsedKiB: domain.zramKiB });
  assert.equal(m.swapFreeKiB, 1024 * MiB - domain.swapUsedKiB);
});

test('zram: the same leak needs 1.5× the swap of a disk at ratio 3 to keep the cache at its floor', () => {
  const disk = domainOf(leakOver({}, '40MiB/s'));
  const zram = domainOf(leakOver({ zram_ratio: 3 }, '40MiB/s'));
  disk.tick(20_000);
  zram.tick(20_000);
  assert.equal(memoryState(disk.domain).zram, undefined, 'disk swap has no mm_stat');
  assert.equal(disk.domain.cacheKiB, 400 * MiB);
  assert.equal(zram.domain.cacheKiB, 400 * MiB, 'both keep the working set: 40 MiB/s is within the swap rate');
  // Each KiB swapped to zram frees only 2/3 KiB: half as much again has to go.
  const ratio = zram.domain.swapUsedKiB / disk.domain.swapUsedKiB;
  assert.ok(Math.abs(ratio - 1.5) < 0.01, `zram swapped ${ratio.toFixed(3)}× what disk swap did`);
});

test('reclaim_lag: a leak faster than zram can take keeps free under the low watermark while the working set holds', () => {
  // zram frees 100 × 2/3 = 67 MiB/s; the leak takes 90 MiB/s.
  const { domain, tick } = domainOf(leakOver({ zram_ratio: 3, reclaim_lag: true }, '90MiB/s'));
  const low = memoryState(domain).watermarks?.lowKiB ?? 0;
  let underLowWithWorkingSet = 0;
  let refaultsThen = -1;
  let thrashedAt: number | null = null;
  for (let t = 0; t <= 30_000; t += 100) {
    tick(t);
    const m = memoryState(domain);
    if (m.freeKiB < low && domain.cacheKiB >= 400 * MiB && domain.swapUsedKiB < 1024 * MiB) {
      underLowWithWorkingSet++;
      if (refaultsThen < 0) refaultsThen = m.vmstat?.workingsetRefaultFile ?? -1;
      assert.equal(domain.blocked, false, 'allocations still succeed: direct reclaim keeps up by swapping');
    }
    if (thrashedAt === null && domain.cacheKiB < 400 * MiB) {
      thrashedAt = t;
      assert.equal(m.freeKiB, m.watermarks?.minKiB, 'the working set goes only with free at the min watermark (direct reclaim)');
      assert.ok(domain.swapUsedKiB < 1024 * MiB, 'while zram still has room');
    }
  }
  assert.ok(underLowWithWorkingSet >= 3, `free under the low watermark with the working set cached for ${underLowWithWorkingSet} ticks`);
  assert.equal(refaultsThen, 0, 'no refaults while the working set is cached');
  assert.ok(thrashedAt !== null, 'then the working set is reclaimed (thrashing)');
  assert.ok(memoryState(domain).vmstat!.workingsetRefaultFile > 0, 'and refaults');
});

test('without reclaim_lag, free stays at the high watermark until the working set is gone', () => {
  const { domain, tick } = domainOf(leakOver({ zram_ratio: 3 }, '90MiB/s'));
  const low = memoryState(domain).watermarks?.lowKiB ?? 0;
  for (let t = 0; t <= 30_000; t += 100) {
    tick(t);
    if (domain.cacheKiB > 0) assert.ok(memoryState(domain).freeKiB >= low, `free ${domain.freeKiB} KiB at ${t} ms with cache ${domain.cacheKiB} KiB`);
  }
});

test('zram_ratio and reclaim_lag: bad values are named with their key', () => {
  assert.throws(() => scenario({ domain: [{ size: '1GiB', swap: '512MiB', zram_ratio: 1 }] }), /domain\[1\]\.zram_ratio: must be more than 1/);
  assert.throws(() => scenario({ domain: [{ size: '1GiB', zram_ratio: 3 }] }), /domain\[1\]\.zram_ratio: needs swap/);
  assert.throws(() => scenario({ domain: [{ size: '1GiB', swap: '512MiB', zram_ratio: '3' }] }), /domain\[1\]\.zram_ratio: expected a number/);
  assert.throws(() => scenario({ domain: [{ size: '1GiB', reclaim_lag: 'yes' }] }), /domain\[1\]\.reclaim_lag: expected true or false/);
});
