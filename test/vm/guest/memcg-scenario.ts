// Guest side of the cgroup2 memory-domain scenario (test/vm/cgroup2-domain.test.ts): runs
// in the VM as root, prints one JSON line of what happened; the host-side test asserts.
//
//   node memcg-scenario.js none                  # the workload alone, no reapd
//   node memcg-scenario.js POLICY [POLICY …]     # one reapd, one domain per policy
//
// Per scenario, a cgroup2 group with memory.max = 200 MiB (and memory.swap.max = 16 MiB
// when the guest has swap) holds an adj-0 hog of 30 MiB and an adj-900 hog of 80 MiB;
// then a grower (adj 0) allocates 120 MiB in 4 MiB steps every 50 ms. 230 MiB do not fit
// in 200 + 16: without reapd the kernel OOM-kills in the group. Under reapd (hold_back
// 16 MiB) the policy's victim — the adj-900 hog, for each policy at these sizes — should
// die first, the grower complete, and memory.events oom_kill stay 0. One reapd guards
// every group (a start costs ~20 s under TCG); the growers run one after another.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reapd } from '../../cli/run-harness.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';

const MIB = 1 << 20;
const HOLD_BACK = '16MiB';

// Thresholds that act when the headroom below memory.high (184 MiB) drops under ~24 MiB.
const PARAMS: Record<string, string[]> = {
  'simple-lmk': ['minfree = "24MiB"'],
  lowmemorykiller: ['levels = "24MiB:900"'],
  lmkd: ['levels = "24MiB:900"'],
  'oom-score': ['mem_available = 12', 'swap_free = 10'],
};

const hasSwap = readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1;

class Group {
  readonly path: string;
  readonly hogs: Hog[] = [];
  constructor(readonly policy: string) {
    this.path = `/sys/fs/cgroup/reapd-vm-${policy}-${process.pid}`;
  }

  async fill(): Promise<void> {
    mkdirSync(this.path);
    writeFileSync(join(this.path, 'memory.max'), String(200 * MIB));
    if (hasSwap) writeFileSync(join(this.path, 'memory.swap.max'), String(16 * MIB));
    this.hogs.push(
      spawnHog({ mib: 30, oomScoreAdj: 0, cgroups: [this.path], name: 'vm-hold-adj0' }),
      spawnHog({ mib: 80, oomScoreAdj: 900, cgroups: [this.path], name: 'vm-hold-adj900' }),
    );
    await withTimeout(Promise.all(this.hogs.map((h) => h.ready)), 60_000, 'holders ready');
  }

  read(file: string): string {
    return readFileSync(join(this.path, file), 'utf8').trim();
  }

  /** Start the grower, wait until it completes, dies or stays blocked (90 s). */
  async grow(): Promise<Record<string, unknown>> {
    const grow = spawnHog({ mib: 120, stepMiB: 4, stepMs: 50, oomScoreAdj: 0, cgroups: [this.path], name: 'vm-grower' });
    this.hogs.push(grow);
    const grower = await withTimeout(grow.ready.then(() => 'ready', () => 'died'), 90_000, 'grower').catch(() => 'blocked');
    // How a grower that died ended (a signal, an exit code), so that a failure says why.
    const growerExit = grower === 'died' ? { code: grow.child.exitCode, signal: grow.child.signalCode } : undefined;
    const [h0, h900] = this.hogs;
    const alive = (h: Hog | undefined): boolean => h !== undefined && h.child.exitCode === null && h.child.signalCode === null;
    return {
      grower,
      eventsAfter: Object.fromEntries(this.read('memory.events').split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)])),
      alive: { adj0: alive(h0), adj900: alive(h900) },
      pids: { adj0: h0?.pid, adj900: h900?.pid, grower: grow.pid },
      ...(growerExit ? { growerExit } : {}),
    };
  }

  async remove(): Promise<void> {
    await Promise.all(this.hogs.map((h) => h.kill()));
    rmdirSync(this.path);
  }
}

function config(groups: readonly Group[]): string {
  const lines = ['[daemon]', 'socket = ""'];
  for (const g of groups) {
    lines.push('[[domain]]', `name = "${g.policy}"`, `memcg = "${g.path}"`, `policy = "${g.policy}"`, `hold_back = "${HOLD_BACK}"`, ...(PARAMS[g.policy] ?? []));
  }
  return lines.join('\n');
}

async function underReapd(groups: readonly Group[]): Promise<Record<string, unknown>> {
  const reapd = new Reapd();
  try {
    reapd.start({ config: config(groups) });
    const starts = await Promise.all(groups.map((g) => reapd.waitForEvent('domain-started', 120_000, (l) => l.domain === g.policy)));
    const out: Record<string, unknown> = { swap: hasSwap, reapdAdj: Number(readFileSync(`/proc/${reapd.child?.pid}/oom_score_adj`, 'utf8')) };
    const perGroup: Record<string, Record<string, unknown>> = {};
    for (const [i, g] of groups.entries()) {
      const highWhileRunning = g.read('memory.high');
      const r = await g.grow();
      // The kill line is logged once the victim's exit was awaited (the journal's final
      // record): under TCG the grower can complete before it. Wait for it (20 s at most).
      await reapd.waitForEvent('kill', 20_000, (l) => l.domain === g.policy).catch(() => undefined);
      perGroup[g.policy] = {
        ...r,
        triggers: starts[i]?.['triggers'],
        memoryHighWhileRunning: highWhileRunning,
        kills: reapd.events('kill', g.policy).map((k) => Number(k.pid)),
        decisionTriggers: reapd.events('decision', g.policy).filter((d) => Array.isArray(d.victims) && d.victims.length > 0)
          .map((d) => d.trigger as { source: string; level: string }),
        kernelOomWarnings: reapd.events('kernel-oom-kill', g.policy).length,
      };
    }
    out['reapdExit'] = (await reapd.stop()).code;
    for (const g of groups) (perGroup[g.policy] as Record<string, unknown>)['memoryHighAfterStop'] = g.read('memory.high');
    out['groups'] = perGroup;
    if (process.env['REAPD_VM_SCENARIO_LOG'] === '1') out['log'] = reapd.raw.slice(-80);
    return out;
  } finally {
    await reapd.cleanup();
  }
}

async function main(policies: string[]): Promise<Record<string, unknown>> {
  const groups = policies.map((p) => new Group(p));
  try {
    for (const g of groups) await g.fill();
    if (policies[0] === 'none') return { swap: hasSwap, groups: { none: await (groups[0] as Group).grow() } };
    return await underReapd(groups);
  } finally {
    for (const g of groups) await g.remove().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (out) => console.log(JSON.stringify(out)),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exitCode = 1;
  },
);
