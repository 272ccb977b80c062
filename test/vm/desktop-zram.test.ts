// The desktop with zram (the VM tier: Debian 6.12, 1 GiB RAM, 1 GiB zram, the whole guest
// guarded by the embedded default, config/default.toml), the workload of issue 20: a foreground program re-reads a
// 400 MiB file, an idle one holds 200 MiB, a leak grows 8 MiB every 100 ms. One boot: two
// runs of bench/zram/workload.sh (the benchmark's workload, `npm run bench -- zram`, which
// also times reapd's event -> SIGKILL against a calm machine's: docs/performance.md):
// - "resident": reapd as shipped. lmkd's PSI strategy kills the leak for a named lmkd
//   reason, and nothing but the leak and (see the test) the idle program; reapd's own memory never reaches swap (its own cgroup has
//   memory.swap.max = 0, issue 20), sampled every 200 ms for the whole run.
// - "none": no killer, the control for the first test: the kernel kills, or the guest freezes.
// These two take 3-7 minutes under TCG: they run with REAPD_VM_SLOW=1. Always, in a boot of
// its own: reapd started with and without its own cgroup, then memory.reclaim asks the
// kernel for 2 GiB: without the cgroup its idle heap goes to zram and it warns, so the
// residency assertion can fail (test/vm/guest/reclaim-resident.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkJson, checkResult, runInVm, vmUnavailable, type VmBoot } from './harness.js';

const skip = vmUnavailable();
// The thrash takes 3-7 minutes under TCG, more than CI's 15-minute budget leaves: opt in.
const slowSkip = process.env['REAPD_VM_SLOW'] === '1' ? undefined
  : 'a 3-7 minute thrash under TCG, outside CI\'s time budget: REAPD_VM_SLOW=1 runs it (docs/testing.md); the reclaim check below runs always';
const LMKD_REASONS = /^(pressure-after-kill|not-responding|low-swap-and-thrashing|low-mem-and-swap|low-mem-and-thrashing|direct-reclaim-and-thrashing|low-mem-and-swap-util|low-filecache-after-thrashing|low-mem)$/;

interface Run {
  passesMs: number[];
  leakerDiedMs: number | null;
  leakerRc: number;
  readerAlive: boolean | null;
  killerAlive: boolean | null;
  killerKills: number | null;
  kernelOomKills: number;
  reason: string | null;
  logReason: string | null;
  swapMaxKiB: number | null;
  swapSamples: number;
  majorFaults: number | null;
  eventToSignalMs: number[];
  leakerKilledByReapd: boolean | null;
}

interface Reclaimed {
  selfCgroup: boolean;
  group: string;
  vmSwapKiB: number;
  warned: boolean;
  exit: number;
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

describe('a desktop with zram: the embedded default acts on the leak, and reapd stays resident through the thrash (VM, slow)', { skip: skip ?? slowSkip }, () => {
  let dir: string;
  let boot: VmBoot;
  before(async () => {
    // A 400 MiB file on the host: the guest reads it through virtiofs into its own page cache.
    dir = mkdtempSync('/tmp/reapd-vm-desktop-zram-');
    const fd = openSync(join(dir, 'data'), 'w');
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    for (let i = 0; i < 400; i++) writeSync(fd, chunk);
    closeSync(fd);
    const workload = (killer: string, env: string) =>
      `HOLD_MIB=200 LEAK_CHUNK_MIB=8 LEAK_EVERY_MS=100 BASE_PASSES=1 ${env} bash bench/zram/workload.sh ${killer} ${join(dir, 'data')} /nonexistent`;
    boot = await runInVm([
      // The leak took 25-49 s to be killed in five runs under TCG; 150 s leave room for a slow guest.
      { name: 'resident', script: workload('reapd', 'LIMIT_S=150'), timeoutS: 260 },
      // Last: without a killer the guest may freeze past the check's own time limit (measured: 180 s and more).
      { name: 'none', script: workload('none', 'LIMIT_S=30'), timeoutS: 50 },
    ], { memory: '1G', zram: '1G' });
    for (const name of ['resident', 'none']) {
      const r = checkResult(boot, name);
      process.stdout.write(`# desktop-zram ${name}: rc ${r.rc} ${r.stdout.trim().split('\n').pop() ?? ''}\n`);
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the embedded default kills the leak for a named lmkd reason; the re-reader lives and the kernel never kills', () => {
    const r = result(boot, 'resident');
    // Not "by when": a guest on a loaded host can take minutes (docs/testing.md: no timing in the VM).
    assert.equal(r.leakerKilledByReapd, true, `reapd's journal names the leaker as killed: ${JSON.stringify(r)}\n${checkResult(boot, 'resident').stderr.slice(-6000)}`);
    assert.equal(r.leakerRc, 137, 'SIGKILL');
    // Heaviest first (lmkd's kill_heaviest_task; earlyoom and the kernel also take the
    // largest): when free memory reaches the low watermark before the leak outgrows the
    // idle 200 MiB program, that program dies first, then the leak. Measured on 4 Dec:
    // 2 of 2 runs, the idle program at 237 MiB, then the leak at 488 and 576 MiB. (Earlier
    // runs, in which reapd acted later, saw the kernel swap the idle program out first, so
    // that it weighed less than the leak and the leak was the only kill.) A pick that
    // weighs growth would spare it: not built.
    assert.ok(r.killerKills === 1 || r.killerKills === 2, `the leak, and at most the idle program before it; the daemon's decisions:\n${checkResult(boot, 'resident').stderr.slice(-6000)}`);
    assert.match(r.reason ?? '', LMKD_REASONS);
    assert.equal(r.logReason, r.reason, 'the log line names the same reason');
    assert.equal(r.readerAlive, true, 'the re-reader survived');
    assert.equal(r.kernelOomKills, 0, 'the kernel never had to kill');
    assert.equal(r.killerAlive, true);
  });

  test('reapd\'s own memory stays out of swap for the whole thrashing run (issue 20)', () => {
    const r = result(boot, 'resident');
    assert.ok(r.swapSamples >= 20, `sampled through the run (${r.swapSamples} samples)`);
    assert.equal(r.swapMaxKiB, 0, 'VmSwap stayed 0 KiB');
    assert.ok(r.eventToSignalMs.length >= 1, 'its log timed the kill');
  });

  test('control: without a killer the leak is not ended in time — the kernel kills, it runs on, or the guest freezes', () => {
    const check = checkResult(boot, 'none');
    // rc 137: the check's own time limit (50 s) killed it: the guest stopped making progress (the freeze).
    if (check.rc === 137 && !check.stdout.includes('{')) return;
    const r = result(boot, 'none');
    assert.ok(r.kernelOomKills > 0 || r.leakerDiedMs === null, JSON.stringify(r));
  });
});

// Residency against the kernel's own reclaim (memory.reclaim on the root cgroup), with and
// without reapd's cgroup: deterministic, where a thrash's swap-out depends on how long it
// lasts before the kill (measured: 0.2-33 MiB in six runs), and short enough for CI.
describe('reapd stays resident under the kernel\'s reclaim, and says so when it cannot (VM)', { skip }, () => {
  let boot: VmBoot;
  before(async () => {
    boot = await runInVm([
      { name: 'reclaim-protected', script: 'bash test/vm/guest/reclaim-resident.sh', timeoutS: 120 },
      { name: 'reclaim-unprotected', script: 'SELF_CGROUP=false bash test/vm/guest/reclaim-resident.sh', timeoutS: 120 },
    ], { memory: '1G', zram: '1G' });
  });

  test('the kernel\'s reclaim takes nothing of reapd in its own cgroup, and its idle heap without one — reapd then says so', () => {
    const prot = checkJson<Reclaimed>(boot, 'reclaim-protected');
    assert.match(prot.group, /\/reapd$/, 'reapd made its own group');
    assert.equal(prot.vmSwapKiB, 0, 'nothing of reapd went to zram');
    assert.equal(prot.warned, false);
    assert.equal(prot.exit, 0);
    const unprot = checkJson<Reclaimed>(boot, 'reclaim-unprotected');
    assert.doesNotMatch(unprot.group, /\/reapd$/, 'self_cgroup = false: it stays where it started');
    assert.ok(unprot.vmSwapKiB > 1024, `without its cgroup reapd was swapped out: ${unprot.vmSwapKiB} KiB`);
    assert.equal(unprot.warned, true, 'and warned of it (self-swapped)');
  });

});
