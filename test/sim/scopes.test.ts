// Scopes in the simulator (issue 14): desktop-scopes run three ways — processes alone,
// scope → the policy's process, the whole scope — through the daemon's own Domain, so the
// scope stage deciding is src/policy/scope, not a copy. Without scopes a browser process
// dies first (the test can fail); with scopes the leaker's scope; the xattrs a [[scope]]
// carries steer the choice as on a real host; bad scope keys are named; a daemon
// [[domain]] with scope keys replays over a trace with its scope stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { parseScenario } from '../../src/sim/scenario/parse.js';
import { ScenarioError } from '../../src/sim/scenario/errors.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import type { RunResult, SimulationResult } from '../../src/sim/results.js';
import { replayTrace } from '../../src/sim/trace/replay.js';
import { checkConfigText } from '../../src/config/load.js';
import type { DomainConfig } from '../../src/config/types.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';

const FILE = join(REPO_ROOT, 'scenarios', 'desktop-scopes.toml');
const TEXT = readFileSync(FILE, 'utf8');
const BROWSER = ['firefox', ...[1, 2, 3, 4, 5].map((i) => `Web Content${i}`)];
const DEVSERVER = ['npm', 'esbuild', 'node'];

function run(result: SimulationResult, label: string): RunResult {
  const r = result.runs.find((x) => x.label === label);
  assert.ok(r, `${label} in ${result.runs.map((x) => x.label).join(', ')}`);
  return r;
}

const policyKills = (r: RunResult) => r.kills.filter((k) => k.by === 'policy');

test('desktop-scopes: by process a browser process dies first; with scopes the leaker\'s scope, and the browser survives', async () => {
  const s = parseScenario(TEXT, FILE, 'desktop-scopes');
  const result = await simulateScenario(s);
  assert.deepEqual(result.runs.map((r) => r.label), [
    'simple-lmk, process', 'simple-lmk, scope → process', 'simple-lmk, whole scope',
    'oom-score, process', 'oom-score, scope → process', 'oom-score, whole scope',
  ]);
  for (const policy of ['simple-lmk', 'oom-score']) {
    const byProcess = policyKills(run(result, `${policy}, process`));
    const scoped = policyKills(run(result, `${policy}, scope → process`));
    const whole = policyKills(run(result, `${policy}, whole scope`));
    const first = byProcess[0];
    assert.ok(first, `${policy}: a kill`);
    assert.equal(first.name, 'firefox', `${policy} by process: the browser's 700 MiB main process first`);
    assert.equal(first.scope, undefined, 'no scope stage in the process run');
    assert.ok(byProcess.some((k) => k.name === 'node'), `${policy} by process: the leaker only after`);

    // With scopes, at the same moment, the leaker — smaller than the browser process taken above.
    const leaker = scoped[0];
    assert.ok(leaker);
    assert.deepEqual(scoped.map((k) => k.name), ['node'], `${policy}, scope → process: only the leaker`);
    assert.equal(leaker.atMs, first.atMs, 'the same event');
    assert.ok(leaker.sizeKiB < first.sizeKiB, `the leaker (${leaker.sizeKiB} KiB) is smaller than firefox (${first.sizeKiB} KiB)`);
    assert.match(leaker.scope ?? '', /\/app\.slice\/app-devserver\.scope$/);
    assert.match(leaker.scopeWhy ?? '', /^grew .* the most of any scope; /);

    // The whole scope: its three processes, together, reaped; no other process.
    assert.deepEqual(whole.map((k) => k.name).sort(), [...DEVSERVER].sort(), `${policy}, whole scope`);
    assert.ok(whole.every((k) => k.atMs === leaker.atMs && k.reaped && k.scope === leaker.scope));
    for (const r of [scoped, whole]) assert.ok(!r.some((k) => BROWSER.includes(k.name)), `${policy}: the browser survives`);
  }
});

test('the configured run is the domain\'s scope keys: scope = "none" is the process run, kill_unit = "cgroup" the whole scope', async () => {
  const none = parseScenario(TEXT.replace('units = ["process", "scope", "whole-scope"]\n', '').replace('scope = "cgroup"\n', 'scope = "none"\n'), FILE, 'x');
  const off = await simulateScenario(none, { runs: ['simple-lmk'] });
  assert.deepEqual(off.runs.map((r) => r.label), ['simple-lmk']);
  assert.equal(policyKills(off.runs[0] as RunResult)[0]?.name, 'firefox');
  const cgroup = parseScenario(TEXT.replace('units = ["process", "scope", "whole-scope"]\n', '').replace('scope = "cgroup"\n', 'scope = "cgroup"\nkill_unit = "cgroup"\n'), FILE, 'x');
  const whole = await simulateScenario(cgroup, { runs: ['simple-lmk'] });
  assert.deepEqual(policyKills(whole.runs[0] as RunResult).map((k) => k.name).sort(), [...DEVSERVER].sort());
});

test('[[scope]] xattrs: user.oomd_omit on the leaker\'s scope — never chosen, the largest scope pays; oomd_avoid keeps the editor out', async () => {
  const omitted = `${TEXT}\n[[scope]]\nname = "app-devserver.scope"\noomd_omit = true\n`;
  const result = await simulateScenario(parseScenario(omitted, FILE, 'x'), { runs: ['simple-lmk'], units: ['scope'] });
  const kills = policyKills(result.runs[0] as RunResult);
  assert.ok(kills.length > 0);
  assert.ok(!kills.some((k) => DEVSERVER.includes(k.name)), 'the omitted scope is never chosen');
  assert.ok(!kills.some((k) => k.name === 'code' || k.name === 'code-ext-host'), 'the avoided editor is passed over while others can free enough');
  assert.match(kills[0]?.scope ?? '', /app-firefox\.scope$/);
});

test('bad scope keys are named, all at once', () => {
  const bad = TEXT
    .replace('scope = "cgroup"\n', 'scope = "cgroups"\nkill_unit = "tree"\nscope_protect = ["app.slice/x"]\n')
    .replace('name = "app-code.scope"', 'name = "app-nothing.scope"')
    .replace('scope = "app-firefox.scope"\nmemory = "700MiB"', 'scope = "/app-firefox.scope"\nmemory = "700MiB"')
    .replace('units = ["process", "scope", "whole-scope"]', 'units = ["tabs"]');
  try {
    parseScenario(bad, 'bad.toml', 'bad');
    assert.fail('expected a ScenarioError');
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    const keys = e.issues.map((i) => i.key).sort();
    assert.deepEqual(keys, ['domain[1].kill_unit', 'domain[1].scope', 'domain[1].scope_protect', 'process[3].scope', 'scope[1].name', 'units'], e.message);
  }
});

/** Three frames a second apart: a browser scope of 3 × 200 MiB; a leak scope growing 40 → 80 → 120 MiB while memory runs out. */
function traceFrames(): Array<{ atMs: number; snapshot: Snapshot }> {
  const proc = (pid: number, name: string, scope: string, mib: number): ProcessInfo => ({
    pid, name, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: 1000 + pid, oomScoreAdj: 0,
    rssAnonKiB: mib * 1024, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0, cgroupV2: `/apps/${scope}`,
  });
  return [[0, 40, 1024], [1000, 80, 40], [2000, 120, 30]].map(([atMs = 0, leakMiB = 0, availableMiB = 0]) => ({
    atMs,
    snapshot: {
      version: 1, timeMs: 1_735_689_600_000 + atMs,
      memory: {
        totalKiB: 4096 * 1024, freeKiB: availableMiB * 1024, availableKiB: availableMiB * 1024, cachedKiB: 0, buffersKiB: 0, shmemKiB: 0,
        unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 16 * 1024,
      },
      processes: [proc(2001, 'tab1', 'browser.scope', 200), proc(2002, 'tab2', 'browser.scope', 200), proc(2003, 'tab3', 'browser.scope', 200),
        proc(3001, 'leaker', 'leak.scope', leakMiB)],
    },
  }));
}

function daemonDomain(extra: string[]): DomainConfig {
  const r = checkConfigText(['[daemon]', 'socket = ""', '[[domain]]', 'policy = "simple-lmk"', 'minfree = "64MiB"', ...extra].join('\n'), 'reapd.toml', {});
  assert.deepEqual(r.issues, []);
  const d = r.config?.domains[0];
  assert.ok(d);
  return d;
}

test('a daemon [[domain]] with scope keys replays over a trace with its scope stage: the leaker, not a 200 MiB tab', async () => {
  const replay = async (cfg: DomainConfig): Promise<string[]> => {
    const result = await replayTrace({ name: 'recorded', frames: traceFrames() }, { daemonDomain: cfg });
    return (result.runs[0]?.kills ?? []).map((k) => k.name);
  };
  assert.deepEqual(await replay(daemonDomain(['scope = "cgroup"', 'scope_root = "/sys/fs/cgroup/unified/apps"'])), ['leaker']);
  const without = await replay(daemonDomain([]));
  assert.ok(without.length > 0 && without.every((n) => n.startsWith('tab')), `without scope keys: ${without.join(', ')}`);
});
