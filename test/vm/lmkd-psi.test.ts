// lmkd's PSI strategy on a real kernel with zram (the VM tier: Debian 6.12, 1536 MiB RAM,
// 1 GiB zram): reapd with config/desktop.toml (lmkd, mode psi, on the whole guest) kills the anonymous leak, and only it, for a named lmkd reason that reaches the
// journal and the log; the re-reader of a file (its working set) survives. The same
// workload without a killer is the control: there the leak is ended by the kernel's OOM
// killer (or not at all), so the reapd assertions would fail without reapd.
// bench/zram/workload.sh is the benchmark's workload (npm run bench -- zram), smaller here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkResult, runInVm, vmUnavailable, type VmBoot } from './harness.js';

const skip = vmUnavailable();
const LMKD_REASONS = /^(pressure-after-kill|not-responding|low-swap-and-thrashing|low-mem-and-swap|low-mem-and-thrashing|direct-reclaim-and-thrashing|low-mem-and-swap-util|low-filecache-after-thrashing|low-mem)$/;

interface Run {
  passesMs: number[];
  leakerDiedMs: number | null;
  leakerRc: number;
  readerAlive: boolean;
  killerAlive: boolean | null;
  killerKills: number | null;
  kernelOomKills: number;
  reason: string | null;
  logReason: string | null;
}

function result(boot: VmBoot, name: string): Run {
  const r = checkResult(boot, name);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Run;
  } catch {
    throw new Error(`${name}: rc ${r.rc}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

describe('lmkd psi on a zram host (VM)', { skip }, () => {
  let dir: string;
  let boot: VmBoot;
  before(async () => {
    // A 200 MiB file on the host: the guest reads it through virtiofs into its own page cache.
    dir = mkdtempSync('/tmp/reapd-vm-lmkd-psi-');
    const fd = openSync(join(dir, 'data'), 'w');
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    for (let i = 0; i < 200; i++) writeSync(fd, chunk);
    closeSync(fd);
    const run = (killer: string, limitS: number) => `LIMIT_S=${limitS} BASE_PASSES=2 bash bench/zram/workload.sh ${killer} ${join(dir, 'data')} /nonexistent`;
    boot = await runInVm([
      { name: 'reapd', script: run('reapd', 60), timeoutS: 150 },
      { name: 'none', script: run('none', 45), timeoutS: 150 },
    ]);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('config/desktop.toml kills the leak, one kill, for a named lmkd reason; nothing else dies', () => {
    const r = result(boot, 'reapd');
    assert.notEqual(r.leakerDiedMs, null, 'the leaker died');
    assert.equal(r.leakerRc, 137, 'SIGKILL');
    assert.equal(r.killerKills, 1, 'one victim in the journal');
    assert.match(r.reason ?? '', LMKD_REASONS);
    assert.equal(r.logReason, r.reason, 'the log line names the same reason');
    assert.equal(r.readerAlive, true, 'the re-reader survived');
    assert.equal(r.kernelOomKills, 0, 'the kernel never had to kill');
    assert.equal(r.killerAlive, true);
  });

  test('control: without a killer the leak is not ended by reapd — the kernel kills, or it runs on', () => {
    const r = result(boot, 'none');
    assert.ok(r.kernelOomKills > 0 || r.leakerDiedMs === null, JSON.stringify(r));
  });
});
