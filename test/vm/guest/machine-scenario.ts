// Guest side of the whole-machine check on a cgroup2-only host (test/vm/cgroup2-domain):
// a machine domain (no memcg) with oom-score reads /proc/meminfo (MemAvailable, and
// zram's swap) and scans every process; it acts only on adj 1000 (min_adj), which
// nothing in the guest has but the hog started here. Its threshold is set ~250 MiB below
// what is available before reapd starts, and the hog grows to 400 MiB: memory crosses
// the threshold only because of the hog, and comes back once it is killed. Prints JSON.
import { readFileSync } from 'node:fs';
import { Reapd } from '../../cli/run-harness.js';
import { spawnHog, withTimeout } from '../../helpers/hog.js';

function meminfoKiB(field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? -1);
}

async function main(): Promise<Record<string, unknown>> {
  const reapd = new Reapd();
  const totalKiB = meminfoKiB('MemTotal');
  const thresholdPercent = Math.floor(((meminfoKiB('MemAvailable') - 250 * 1024) * 100) / totalKiB);
  reapd.start({
    config: ['[daemon]', 'socket = ""', '[[domain]]', 'policy = "oom-score"', 'min_adj = 1000',
      `mem_available = ${thresholdPercent}`, 'swap_free = 100'].join('\n'),
  });
  const started = await reapd.waitForEvent('domain-started', 120_000);
  const hog = spawnHog({ mib: 400, stepMiB: 8, stepMs: 50, oomScoreAdj: 1000, name: 'vm-machine-adj1000' });
  try {
    const kill = await reapd.waitForEvent('kill', 90_000).catch(() => undefined);
    const swapTotalKiB = meminfoKiB('SwapTotal');
    const decision = reapd.events('decision').find((d) => Array.isArray(d.victims) && d.victims.length > 0);
    return {
      domain: started['domain'],
      triggers: started['triggers'],
      killed: kill ? Number(kill.pid) : null,
      hog: hog.pid,
      hogSignal: (await withTimeout(hog.exited, 10_000, 'hog exit').catch(() => ({ signal: null }))).signal,
      swapTotalKiB,
      thresholdPercent,
      decision: decision?.msg,
      reapdAdj: Number(readFileSync(`/proc/${reapd.child?.pid}/oom_score_adj`, 'utf8')),
      reapdExit: (await reapd.stop()).code,
      tail: reapd.raw.slice(-12).map((l) => l.slice(0, 300)),
    };
  } finally {
    await reapd.cleanup();
    await hog.kill();
  }
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exitCode = 1;
  },
);
