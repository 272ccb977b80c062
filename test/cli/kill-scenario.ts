// One end-to-end kill for the tests of what reapd tells (metrics, hooks): a cgroup v1
// memcg with the kernel's OOM killer disabled, two victims (adj 900 and 500) and an adj-0
// hog that grows into the limit and blocks until reapd kills; reapd runs simple-lmk on the
// memcg's eventfds. The caller gets the daemon, and cleanup() removes everything it made.
import { memcgV1, type TestCgroup } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { Reapd, type LogLine } from './run-harness.js';

export interface KillScenario {
  reapd: Reapd;
  memcg: TestCgroup;
  victims: Hog[];
  /** Start the growing hog and wait until reapd freed room for it (so: the kills happened). */
  squeeze(): Promise<void>;
  kills(): LogLine[];
  cleanup(): Promise<void>;
}

export interface ScenarioOptions {
  /** Extra TOML for [daemon] (lines), and whole tables after the domain. */
  daemonLines?: string[];
  tables?: string[];
  /** Extra keys for the [[domain]] table. */
  domainLines?: string[];
  /** The growing hog's pace (default 20 ms per 20 MiB step). */
  growStepMs?: number;
  args?: string[];
  name?: string;
  /** The control socket's path (default: none). */
  socket?: string;
}

const LIMIT_MIB = 320;

export async function startKillScenario(o: ScenarioOptions = {}): Promise<KillScenario> {
  const tag = o.name ?? 'tell';
  const memcg = memcgV1({ limitMiB: LIMIT_MIB, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  const cleanup = async (): Promise<void> => {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  };
  try {
    for (const s of [{ adj: 0, mib: 40 }, { adj: 500, mib: 60 }, { adj: 900, mib: 30 }]) {
      hogs.push(spawnHog({ mib: s.mib, oomScoreAdj: s.adj, cgroups: [memcg.path], name: `reapd-${tag}-a${s.adj}` }));
    }
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'hogs ready');
    reapd.start({
      config: [
        '[daemon]', `socket = "${o.socket ?? ''}"`, 'self_protect = false', ...(o.daemonLines ?? []),
        '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "64MiB"', 'reclaim_timeout = "2s"',
        ...(o.domainLines ?? []), ...(o.tables ?? []),
      ].join('\n'),
      args: o.args ?? [],
    });
    await reapd.waitForEvent('domain-started', 15_000);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    reapd,
    memcg,
    victims: hogs.slice(1),
    squeeze: async () => {
      // 40 + 60 + 30 + 220 MiB > 320 MiB: the growing hog blocks at the limit until reapd frees memory.
      const grow = spawnHog({ mib: 220, stepMiB: 20, stepMs: o.growStepMs ?? 20, oomScoreAdj: 0, cgroups: [memcg.path], name: `reapd-${tag}-grow` });
      hogs.push(grow);
      await withTimeout(grow.ready, 30_000, `the blocked hog completes its allocation\n${reapd.describe()}`);
      await reapd.waitFor(() => reapd.events('kill', 'apps').length >= 2, 10_000, 'two kill lines');
    },
    kills: () => reapd.events('kill', 'apps'),
    cleanup,
  };
}
