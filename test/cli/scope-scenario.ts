// The desktop of issue 14 for `reapd run` end-to-end tests, built from real parts: a v1
// memcg with a limit (the memory domain, the kernel's OOM killer off inside it) and a
// cgroup2 directory under /sys/fs/cgroup/unified whose children are the scopes
// ("browser.scope": five processes at 120 MiB; "leak.scope": one process growing from
// 10 MiB, plus optional helpers). Every process is at adj 0 and in both hierarchies.
import { mkdirSync, rmdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2, memcgV1, type TestCgroup } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { setxattr } from '../../src/kernel/sys/xattr.js';

/** 5 x 120 MiB + the leak at ~80 MiB + a few MiB of shells and stacks: the leak meets the limit below 120 MiB. */
export const LIMIT_MIB = 690;
export const BROWSER_MIB = 120;

export interface ScopeScenario {
  memcg: TestCgroup;
  root: TestCgroup;
  browserDir: string;
  leakDir: string;
  browser: Hog[];
  helpers: Hog[];
  leak?: Hog;
  /** Start the leak: 10 MiB, then 10 MiB more every 400 ms, until reapd frees the domain. */
  startLeak(): Hog;
  /** Pids of every process the scenario started. */
  all(): Hog[];
  cleanup(): Promise<void>;
}

export interface ScenarioOptions {
  /** Idle 10 MiB processes in the leak scope beside the leaker (kill_unit "cgroup"). */
  leakHelpers?: number;
  xattrs?: { browser?: string[]; leak?: string[] };
}

export async function startScopeScenario(o: ScenarioOptions = {}): Promise<ScopeScenario> {
  const memcg = memcgV1({ limitMiB: LIMIT_MIB, oomKillDisable: true });
  const root = cgroup2();
  const browserDir = join(root.path, 'browser.scope');
  const leakDir = join(root.path, 'leak.scope');
  mkdirSync(browserDir);
  mkdirSync(leakDir);
  for (const name of o.xattrs?.browser ?? []) setxattr(browserDir, name, '1');
  for (const name of o.xattrs?.leak ?? []) setxattr(leakDir, name, '1');
  const s: ScopeScenario = {
    memcg, root, browserDir, leakDir, browser: [], helpers: [],
    startLeak() {
      const leak = spawnHog({ mib: 400, stepMiB: 10, stepMs: 400, oomScoreAdj: 0, cgroups: [memcg.path, leakDir], name: 'reapd-e2e-leak' });
      s.leak = leak;
      return leak;
    },
    all: () => [...s.browser, ...s.helpers, ...(s.leak ? [s.leak] : [])],
    async cleanup() {
      await Promise.all(s.all().map((h) => h.kill()));
      for (const dir of [browserDir, leakDir]) {
        const deadline = Date.now() + 5000;
        while (existsSync(dir)) {
          try {
            rmdirSync(dir);
          } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
      await root.remove();
      await memcg.remove();
    },
  };
  try {
    for (let i = 0; i < 5; i++) s.browser.push(spawnHog({ mib: BROWSER_MIB, oomScoreAdj: 0, cgroups: [memcg.path, browserDir], name: `reapd-e2e-tab${i}` }));
    for (let i = 0; i < (o.leakHelpers ?? 0); i++) s.helpers.push(spawnHog({ mib: 10, oomScoreAdj: 0, cgroups: [memcg.path, leakDir], name: `reapd-e2e-lhelp${i}` }));
    await withTimeout(Promise.all(s.all().map((h) => h.ready)), 30_000, 'scenario processes ready');
  } catch (e) {
    await s.cleanup();
    throw e;
  }
  return s;
}

/** The daemon's configuration for the scenario: simple-lmk on the memcg, extra lines for the scope keys. */
export function scenarioConfig(s: ScopeScenario, extra: string[], o: { selfProtect?: boolean } = {}): string {
  return [
    '[daemon]', 'socket = ""', `self_protect = ${o.selfProtect === true}`,
    '[[domain]]', 'name = "desk"', `memcg = "${s.memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "32MiB"', 'reclaim_timeout = "2s"',
    ...extra,
  ].join('\n');
}

export function oomKills(cg: TestCgroup): number {
  const m = /^oom_kill (\d+)$/m.exec(cg.read('memory.oom_control'));
  return m ? Number(m[1]) : 0;
}
