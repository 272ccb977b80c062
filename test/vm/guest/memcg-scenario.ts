// Guest side of the cgroup2 memory-domain scenario (test/vm/cgroup2-domain.test.ts): runs
// in the VM as root, prints one JSON line of what happened; the host-side test asserts.
//
//   node memcg-scenario.js POLICY|none [hold_back]
//
// A cgroup2 group with memory.max = 200 MiB (and memory.swap.max = 16 MiB when the guest
// has swap) holds an adj-0 hog of 30 MiB and an adj-900 hog of 80 MiB; then a grower
// (adj 0) allocates 120 MiB in 4 MiB steps every 50 ms. 230 MiB do not fit in 200 + 16:
// without reapd ("none") the kernel OOM-kills in the group. With reapd guarding the group
// the policy's victim (the adj-900 hog, for each of the four policies at these sizes)
// should die first, the grower complete, and memory.events oom_kill stay 0.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reapd } from '../../cli/run-harness.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';

const MIB = 1 << 20;
const [policy = 'none', holdBack = '16MiB'] = process.argv.slice(2);
const group = `/sys/fs/cgroup/reapd-vm-${policy}-${process.pid}`;

// Per policy: thresholds that act when the headroom below memory.high (184 MiB with
// hold_back 16MiB) drops under ~24 MiB, i.e. with the grower about 2/3 grown.
const PARAMS: Record<string, string[]> = {
  'simple-lmk': ['minfree = "24MiB"'],
  lowmemorykiller: ['levels = "24MiB:900"'],
  lmkd: ['levels = "24MiB:900"'],
  'oom-score': ['mem_available = 12', 'swap_free = 10'],
};

function read(file: string): string {
  return readFileSync(join(group, file), 'utf8').trim();
}

function events(): Record<string, number> {
  return Object.fromEntries(read('memory.events').split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
}

function hasSwap(): boolean {
  return readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1;
}

async function outcome(h: Hog, ms: number): Promise<string> {
  const ready = h.ready.then(() => 'ready', () => 'died');
  return withTimeout(ready, ms, 'grower').catch(() => 'blocked');
}

async function main(): Promise<Record<string, unknown>> {
  mkdirSync(group);
  const hogs: Hog[] = [];
  const reapd = policy === 'none' ? undefined : new Reapd();
  try {
    writeFileSync(join(group, 'memory.max'), String(200 * MIB));
    if (hasSwap()) writeFileSync(join(group, 'memory.swap.max'), String(16 * MIB));
    const h0 = spawnHog({ mib: 30, oomScoreAdj: 0, cgroups: [group], name: 'vm-hold-adj0' });
    const h900 = spawnHog({ mib: 80, oomScoreAdj: 900, cgroups: [group], name: 'vm-hold-adj900' });
    hogs.push(h0, h900);
    await withTimeout(Promise.all([h0.ready, h900.ready]), 60_000, 'holders ready');
    const out: Record<string, unknown> = { policy, holdBack, swap: hasSwap() };
    if (reapd) {
      reapd.start({
        config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "vm"', `memcg = "${group}"`, `policy = "${policy}"`,
          `hold_back = "${holdBack}"`, ...(PARAMS[policy] ?? [])].join('\n'),
      });
      const started = await reapd.waitForEvent('domain-started', 90_000);
      out['triggers'] = started['triggers'];
      out['reapdAdj'] = Number(readFileSync(`/proc/${reapd.child?.pid}/oom_score_adj`, 'utf8'));
      out['memoryHighWhileRunning'] = read('memory.high');
    }
    const grow = spawnHog({ mib: 120, stepMiB: 4, stepMs: 50, oomScoreAdj: 0, cgroups: [group], name: 'vm-grower' });
    hogs.push(grow);
    out['grower'] = await outcome(grow, 90_000);
    out['eventsAfter'] = events();
    out['alive'] = { adj0: h0.child.exitCode === null && h0.child.signalCode === null, adj900: h900.child.signalCode === null && h900.child.exitCode === null };
    out['pids'] = { adj0: h0.pid, adj900: h900.pid, grower: grow.pid };
    if (reapd) {
      out['kills'] = reapd.events('kill').map((k) => Number(k.pid));
      out['decisionTriggers'] = reapd.events('decision').filter((d) => Array.isArray(d.victims) && d.victims.length > 0)
        .map((d) => d.trigger as { source: string; level: string });
      out['kernelOomWarnings'] = reapd.events('kernel-oom-kill').length;
      const stopped = await reapd.stop();
      out['reapdExit'] = stopped.code;
      out['memoryHighAfterStop'] = read('memory.high');
      out['holdBackLog'] = reapd.events('hold-back').map((l) => l.msg);
      if (process.env['REAPD_VM_SCENARIO_LOG'] === '1') out['log'] = reapd.raw.slice(-60);
    }
    return out;
  } finally {
    await reapd?.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    rmdirSync(group);
  }
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exitCode = 1;
  },
);
