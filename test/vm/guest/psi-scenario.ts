// Guest side of the privileged PSI check (test/vm/cgroup2-domain.test.ts): a PSI trigger
// with a 500 ms window — a window only CAP_SYS_RESOURCE may ask for (an unprivileged
// trigger needs a multiple of 2 s) — on a cgroup2 group's memory.pressure drives a
// reclaim. Needs swap in the guest (zram): the group (memory.max 96 MiB, swap unlimited)
// holds an adj-900 hog of 40 MiB while a grower allocates 120 MiB, so the group stalls in
// reclaim, swapping to zram, instead of being OOM-killed. Prints one JSON line.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reapd } from '../../cli/run-harness.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';

const group = `/sys/fs/cgroup/reapd-vm-psi-${process.pid}`;

async function main(): Promise<Record<string, unknown>> {
  mkdirSync(group);
  const hogs: Hog[] = [];
  const reapd = new Reapd();
  try {
    writeFileSync(join(group, 'memory.max'), String(96 << 20));
    const holder = spawnHog({ mib: 40, oomScoreAdj: 900, cgroups: [group], name: 'vm-psi-adj900' });
    hogs.push(holder);
    await withTimeout(holder.ready, 60_000, 'holder ready');
    // trigger = "psi": only the PSI trigger is armed (not memory.events), so the kill
    // below can only come from it.
    reapd.start({
      config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "psi"', `memcg = "${group}"`, 'policy = "simple-lmk"',
        'minfree = "16MiB"', 'trigger = "psi"', 'psi_stall = "30ms"', 'psi_window = "500ms"'].join('\n'),
    });
    const started = await reapd.waitForEvent('domain-started', 90_000);
    const grow = spawnHog({ mib: 120, stepMiB: 4, stepMs: 20, oomScoreAdj: 0, cgroups: [group], name: 'vm-psi-grower' });
    hogs.push(grow);
    const decision = await reapd.waitFor((l) => l.event === 'decision' && Array.isArray(l.victims) && l.victims.length > 0, 90_000, 'a PSI-driven decision')
      .catch(() => undefined);
    await reapd.waitForEvent('kill', 20_000).catch(() => undefined);
    const out = {
      triggers: started['triggers'],
      fallbacks: reapd.lines.filter((l) => /fallback/.test(l.event)).map((l) => l.msg),
      decisionTrigger: decision?.trigger,
      kills: reapd.events('kill').map((k) => Number(k.pid)),
      holder: holder.pid,
      pressure: readFileSync(join(group, 'memory.pressure'), 'utf8').trim().split('\n')[0],
      reapdExit: (await reapd.stop()).code,
    };
    return out;
  } finally {
    await reapd.cleanup();
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
