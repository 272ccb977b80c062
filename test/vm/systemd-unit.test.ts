// The shipped unit (contrib/systemd/reapd.service, installed by `reapd install`) under a
// real systemd in the VM tier's cgroup2 guest (test/vm/systemd-unit.sh): Type=notify
// reaches READY only once the domain is armed, OOMScoreAdjust and the capability set
// and seccomp filter are in force, a real kill with process_mrelease works under the
// SystemCallFilter without a restart, `systemctl reload` re-reads the configuration
// and `systemctl stop` ends it with Result=success.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { checkResult, runInVm, vmUnavailable, type VmBoot } from './harness.js';

const skip = vmUnavailable() ?? (existsSync('/lib/systemd/systemd') ? undefined : 'no /lib/systemd/systemd on this host (Debian: systemd) to boot in the guest');

function parse(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').filter((l) => /^[a-z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Capability bit numbers (linux/capability.h). */
const CAP = { DAC_OVERRIDE: 1, KILL: 5, IPC_LOCK: 14, SYS_PTRACE: 19, SYS_ADMIN: 21, SYS_NICE: 23, SYS_RESOURCE: 24 } as const;

describe('reapd.service under systemd (VM)', { skip }, () => {
  let r: Record<string, string>;
  let boot: VmBoot;
  before(async () => {
    const script = readFileSync(join(REPO_ROOT, 'test', 'vm', 'systemd-unit.sh'), 'utf8');
    boot = await runInVm([{ name: 'systemd-unit', script, timeoutS: 400 }]);
    const res = checkResult(boot, 'systemd-unit');
    r = parse(res.stdout);
    // The figures go to the test log (docs/install.md quotes them); none is asserted.
    console.log(`systemd-unit: READY after ${r['ready_ms']} ms from systemd's start, stop took ${r['stop_ms']} ms (TCG)\n${res.stderr.slice(-1500)}`);
  });

  test('Type=notify: active only once reapd said READY, with its status text', () => {
    assert.equal(r['active'], 'active');
    assert.equal(r['status_text'], 'guarding unit');
  });

  test('OOMScoreAdjust=-1000, the seccomp filter and exactly the bounded capabilities', () => {
    assert.equal(r['oom_score_adj'], '-1000');
    assert.equal(r['seccomp'], '2', 'seccomp filter mode');
    const eff = BigInt(`0x${r['cap_eff'] ?? '0'}`);
    const has = (bit: number): boolean => ((eff >> BigInt(bit)) & 1n) === 1n;
    for (const bit of [CAP.KILL, CAP.SYS_PTRACE, CAP.SYS_RESOURCE, CAP.SYS_NICE, CAP.IPC_LOCK, CAP.DAC_OVERRIDE]) assert.ok(has(bit), `capability ${bit}`);
    assert.ok(!has(CAP.SYS_ADMIN), 'no CAP_SYS_ADMIN');
  });

  test('its own slice carries MemoryMin=, so the protection is not bounded by system.slice', () => {
    assert.equal(r['cgroup'], '0::/reapd.slice/reapd.service');
    assert.equal(r['memory_min_effective'], '0', 'reapd logged memory-min: partial (a parent bounds memory.min)');
  });

  test('a real kill with reaping under the SystemCallFilter, before the kernel OOM killer, without a restart', () => {
    const record = JSON.parse(r['journal'] ?? '{}') as { name?: string; oomScoreAdj?: number; killed?: boolean; reaped?: boolean };
    assert.equal(record.name, 'python3');
    assert.equal(record.oomScoreAdj, 900);
    assert.equal(record.killed, true);
    assert.equal(record.reaped, true, 'process_mrelease went through the filter');
    assert.equal(r['hog_exit'], '137');
    assert.equal(r['kernel_oom_kill'], '0');
    assert.equal(r['main_pid_after_kill'], r['main_pid_before']);
    assert.equal(r['nrestarts'], '0');
  });

  test('systemctl reload re-reads the configuration; systemctl stop ends it cleanly', () => {
    assert.equal(r['reload_rc'], '0');
    assert.equal(r['status_after_reload'], 'configuration reloaded');
    assert.equal(r['stop_rc'], '0');
    assert.equal(r['result'], 'success');
    assert.equal(r['exec_main_status'], '0');
    assert.equal(r['active_after_stop'], 'inactive');
  });
});
