import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupMemory, domainMemory } from '../../../src/kernel/procfs/headroom.js';
import { parseMemAvailable } from '../../../src/kernel/parse/meminfo.js';
import { criticalHeadroomKiB, isCritical } from '../../../src/daemon/watchdog/critical.js';
import { memcgV1 } from '../../helpers/cgroup.js';
import { spawnHog, withTimeout } from '../../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';

test('parseMemAvailable reads MemTotal and MemAvailable', () => {
  const text = 'MemTotal:       24683904 kB\nMemFree:        24303632 kB\nMemAvailable:   24394396 kB\nBuffers:            3140 kB\n';
  assert.deepEqual(parseMemAvailable(text), { totalKiB: 24683904, availableKiB: 24394396 });
  assert.equal(parseMemAvailable('MemTotal: 1 kB\n'), undefined);
});

test('critical: below an absolute headroom, or below a percentage of the domain', () => {
  const mem = { headroomKiB: 3000, sizeKiB: 100_000, describe: 'x' };
  assert.equal(criticalHeadroomKiB(mem, {}), 5000, 'default 5 %');
  assert.equal(isCritical(mem, {}), true);
  assert.equal(isCritical(mem, { headroomBelowPercent: 2 }), false);
  assert.equal(isCritical(mem, { headroomBelowKiB: 4096 }), true);
  assert.equal(isCritical(mem, { headroomBelowKiB: 1024 }), false);
});

test('the machine domain reads /proc/meminfo', () => {
  const m = domainMemory(undefined);
  assert.ok(m.sizeKiB > 0 && m.headroomKiB > 0 && m.headroomKiB <= m.sizeKiB);
  assert.match(m.describe, /^machine: MemAvailable/);
});

test('a v1 memcg: limit − usage (+ inactive file), no limit → the machine', {
  skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()), timeout: 10_000,
}, async () => {
  const limited = memcgV1({ limitMiB: 64, oomKillDisable: true });
  const unlimited = memcgV1({});
  const hog = spawnHog({ mib: 32, cgroups: [limited.path] });
  try {
    await withTimeout(hog.ready, 5000, 'hog');
    const m = cgroupMemory(limited.path);
    assert.ok(m);
    assert.equal(m.sizeKiB, 64 * 1024);
    // 32 MiB of anon in a 64 MiB group leaves at most ~32 MiB.
    assert.ok(m.headroomKiB < 33 * 1024 && m.headroomKiB > 20 * 1024, String(m.headroomKiB));
    assert.equal(cgroupMemory(unlimited.path), undefined);
    assert.match(domainMemory(unlimited.path).describe, /has no limit/);
  } finally {
    await hog.kill();
    await limited.remove();
    await unlimited.remove();
  }
});
