// reapd on a modern host (issue 13): a cgroup2 group with the memory controller, in a
// guest without swap and in one with zram swap. In each, the same workload runs without
// reapd (the kernel's OOM killer must act: the scenario can fail) and under each of the
// four policies with hold_back (the policy's victim dies, the blocked grower completes,
// memory.events oom_kill stays 0, reapd runs at oom_score_adj -1000 and restores
// memory.high on exit). The zram guest also shows a privileged 500 ms PSI trigger driving
// a reclaim and a whole-machine domain; both show `reapd doctor` on the 6.12 kernel. The
// no-swap guest also runs issue 14's scope check (test/vm/scopes.ts) in the same boot.
// Guest programs: test/vm/guest/*.ts. Two boots, 4 and 5 checks (one reapd start for the
// four policies: a start costs ~20 s under TCG).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hogBinary } from '../helpers/hog.js';
import { checkJson, checkResult, runInVm, vmUnavailable, type VmBoot, type VmCheck } from './harness.js';
import { assertScopes, SCOPES_CHECK } from './scopes.js';

const skip = vmUnavailable();
const POLICIES = ['simple-lmk', 'lowmemorykiller', 'lmkd', 'oom-score'] as const;
const HIGH_WHILE_RUNNING = String((200 - 16) * 1024 * 1024); // memory.max 200 MiB − hold_back 16 MiB

interface GroupOutcome {
  grower: 'ready' | 'died' | 'blocked';
  eventsAfter: Record<string, number>;
  alive: { adj0: boolean; adj900: boolean };
  pids: { adj0: number; adj900: number; grower: number };
  kills?: number[];
  triggers?: string[];
  decisionTriggers?: Array<{ source: string; level: string }>;
  kernelOomWarnings?: number;
  memoryHighWhileRunning?: string;
  memoryHighAfterStop?: string;
}

interface Scenario {
  swap: boolean;
  reapdAdj?: number;
  reapdExit?: number;
  groups: Record<string, GroupOutcome>;
}

function checks(zram: boolean): VmCheck[] {
  return [
    { name: 'doctor', script: 'node dist/src/cli/main.js doctor && node dist/src/cli/main.js doctor --json | tr -d "\\n"; echo', timeoutS: 120 },
    { name: 'none', script: 'node dist/test/vm/guest/memcg-scenario.js none', timeoutS: 200 },
    { name: 'policies', script: `node dist/test/vm/guest/memcg-scenario.js ${POLICIES.join(' ')}`, timeoutS: 600 },
    ...(zram ? [
      { name: 'psi', script: 'node dist/test/vm/guest/psi-scenario.js', timeoutS: 300 },
      { name: 'machine', script: 'node dist/test/vm/guest/machine-scenario.js', timeoutS: 300 },
    ] : [SCOPES_CHECK]),
  ];
}

function assertScenarios(get: () => VmBoot, swap: boolean): void {
  test('without reapd the kernel OOM-kills in the group (the workload alone overruns it)', () => {
    const s = checkJson<Scenario>(get(), 'none');
    assert.equal(s.swap, swap);
    assert.ok((s.groups['none']?.eventsAfter['oom_kill'] ?? 0) >= 1, JSON.stringify(s));
  });

  test('reapd runs at oom_score_adj -1000 after start-up and exits 0', () => {
    const s = checkJson<Scenario>(get(), 'policies');
    assert.equal(s.reapdAdj, -1000);
    assert.equal(s.reapdExit, 0);
  });

  for (const policy of POLICIES) {
    test(`${policy}: kills the adj-900 holder before the kernel, the blocked grower completes`, () => {
      const s = checkJson<Scenario>(get(), 'policies').groups[policy];
      assert.ok(s, `no outcome for ${policy}`);
      const why = JSON.stringify(s);
      assert.deepEqual(s.kills, [s.pids.adj900], why);
      assert.equal(s.eventsAfter['oom_kill'], 0, `the kernel never killed: ${why}`);
      assert.equal(s.kernelOomWarnings, 0, why);
      assert.equal(s.grower, 'ready', why);
      assert.deepEqual(s.alive, { adj0: true, adj900: false }, why);
      assert.ok(s.triggers?.some((t) => t.startsWith('memory.events:')), `memory.events armed: ${why}`);
      assert.equal(s.memoryHighWhileRunning, HIGH_WHILE_RUNNING, 'hold_back lowered memory.high');
      assert.equal(s.memoryHighAfterStop, 'max', 'memory.high restored on exit');
    });
  }

  test('reapd doctor on the 6.12 cloud kernel: the release, the memory controller, privileged PSI, the swap', () => {
    const r = checkResult(get(), 'doctor');
    assert.equal(r.rc, 0, r.stderr);
    const kernel = r.stdout.split('\n').find((l) => l.startsWith('  kernel ')) ?? '';
    assert.match(kernel, /^ {2}kernel\s+6\.12\.\d+\+deb\d+-cloud-amd64 {2,}x64, 4 KiB pages/);
    const caps = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      cgroup: { v1Memory: string | null; v2Memory: boolean }; psi: { triggers: string }; privileges: { sysResource: boolean }; swapTotalKiB: number;
    };
    assert.equal(caps.cgroup.v1Memory, null);
    assert.equal(caps.cgroup.v2Memory, true);
    assert.equal(caps.psi.triggers, 'privileged');
    assert.equal(caps.privileges.sysResource, true);
    assert.equal(caps.swapTotalKiB > 0, swap);
    assert.match(r.stdout, swap ? /\n {2}swap\s+1024 MiB/ : /\n {2}swap\s+none/);
  });
}

describe('cgroup2 memory domain, no swap', { skip }, () => {
  let boot: VmBoot;
  before(async () => {
    hogBinary(); // compiled on the host: the guest sees /tmp read-only
    boot = await runInVm(checks(false), { zram: 0 });
  });
  assertScenarios(() => boot, false);
  assertScopes(() => boot);
});

describe('cgroup2 memory domain, zram swap', { skip }, () => {
  let boot: VmBoot;
  before(async () => {
    hogBinary();
    boot = await runInVm(checks(true));
  });
  assertScenarios(() => boot, true);

  test('a privileged PSI trigger with a 500 ms window arrives and drives a reclaim', () => {
    const s = checkJson<{ triggers: string[]; fallbacks: string[]; decisionTrigger?: { source: string }; kills: number[]; holder: number }>(boot, 'psi');
    assert.deepEqual(s.triggers.map((t) => t.replace(/^psi:\S+ /, '')), ['some 30000/500000'], 'armed as asked, no 2 s fallback');
    assert.deepEqual(s.fallbacks, []);
    assert.equal(s.decisionTrigger?.source, 'psi', JSON.stringify(s));
    assert.deepEqual(s.kills, [s.holder]);
  });

  test('the whole machine on a cgroup2-only host with zram: meminfo with swap, the scan, a kill of the only eligible process', () => {
    const s = checkJson<{ domain: string; triggers: string[]; killed: number | null; hog: number; hogSignal: string | null; swapTotalKiB: number; reapdAdj: number; reapdExit: number }>(boot, 'machine');
    assert.equal(s.domain, 'machine');
    assert.ok(s.swapTotalKiB > 0);
    assert.equal(s.killed, s.hog, JSON.stringify(s));
    assert.equal(s.hogSignal, 'SIGKILL');
    assert.equal(s.reapdAdj, -1000);
    assert.equal(s.reapdExit, 0);
  });
});
