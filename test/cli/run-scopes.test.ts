// End to end (issue 14): `reapd run` with simple-lmk on a v1 memcg whose processes also
// sit in cgroup2 scope directories. With scope = "cgroup" the leaker dies while still
// smaller than every browser process and the browser survives; without scopes the policy
// takes a browser process (the test can fail); kill_unit = "cgroup" kills and reaps every
// member of the chosen scope and nothing else; user.oomd_avoid is chosen only when nothing
// else can free enough, user.oomd_omit never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout } from '../helpers/hog.js';
import { firstReason, needCc, needCgroup2, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';
import { BROWSER_MIB, oomKills, scenarioConfig, startScopeScenario, type ScenarioOptions, type ScopeScenario } from './scope-scenario.js';
import { existsSync } from 'node:fs';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCgroup2(), needCc(),
  existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? undefined : 'needs cgroup2 at /sys/fs/cgroup/unified beside the v1 memcg');

const MIB = 1024;

interface Run {
  s: ScopeScenario;
  reapd: Reapd;
  kills: Array<Record<string, unknown>>;
}

/** Start the scenario and the daemon, let it sample the scopes, start the leak, wait for the first kill(s). */
async function run(options: ScenarioOptions & { selfProtect?: boolean }, extra: (s: ScopeScenario) => string[], body: (r: Run) => Promise<void> | void): Promise<void> {
  const s = await startScopeScenario(options);
  const reapd = new Reapd();
  try {
    reapd.start({ config: scenarioConfig(s, extra(s), { selfProtect: options.selfProtect === true }) });
    await reapd.waitForEvent('domain-started', 15_000);
    // Two scope samples (one a second) before the leak starts: the browser's size is known.
    await new Promise((r) => setTimeout(r, 2200));
    s.startLeak();
    const decision = await reapd.waitForEvent('decision', 60_000, (l) => Array.isArray(l.victims) && l.victims.length > 0);
    const expected = (decision.victims as unknown[]).length;
    await reapd.waitFor(() => reapd.events('kill').length >= expected, 15_000, 'the kill lines');
    // Let anything else the daemon would do happen before looking.
    await new Promise((r) => setTimeout(r, 1500));
    await body({ s, reapd, kills: reapd.events('kill') });
    assert.equal(oomKills(s.memcg), 0, 'the kernel OOM killer never fired');
  } finally {
    await reapd.cleanup();
    await s.cleanup();
  }
}

function alive(h: { child: { exitCode: number | null; signalCode: string | null } }): boolean {
  return h.child.exitCode === null && h.child.signalCode === null;
}

test('scope = "cgroup": the leaker dies while smaller than each browser process; every browser process survives', { skip, timeout: 120_000 }, async () => {
  await run({}, (s) => ['scope = "cgroup"', `scope_root = "${s.root.path}"`], async ({ s, reapd, kills }) => {
    const leak = s.leak;
    assert.ok(leak);
    assert.deepEqual(kills.map((k) => Number(k.pid)), [leak.pid], reapd.describe());
    const k = kills[0] ?? {};
    assert.ok(Number(k.sizeKiB) < BROWSER_MIB * MIB, `the leaker died at ${String(k.sizeKiB)} KiB, below ${BROWSER_MIB} MiB`);
    assert.match(String(k.scope), /\/leak\.scope$/);
    assert.ok(Number(k.scopeKiB) > 0);
    assert.match(String(k.scopeWhy), /grew .* the most of any scope/);
    assert.equal((await withTimeout(leak.exited, 5000, 'leak exit')).signal, 'SIGKILL');
    assert.ok(s.browser.every(alive), 'every browser process survives');
    const journal = reapd.journal();
    assert.equal(journal.length, 1);
    assert.match(String(journal[0]?.scope), /\/leak\.scope$/, 'the journal names the scope');
    assert.match(String(k.msg), /scope \S+leak\.scope/, 'the log line names the scope');
    const decision = reapd.events('decision').find((d) => Array.isArray(d.victims) && d.victims.length > 0);
    assert.match(String(decision?.scope), /\/leak\.scope$/, 'the decision line names the scope');
  });
});

test('without scopes the same workload costs a browser process (the scope test can fail)', { skip, timeout: 120_000 }, async () => {
  await run({}, () => [], ({ s, reapd, kills }) => {
    const browserPids = new Set(s.browser.map((h) => h.pid));
    assert.ok(kills.length > 0);
    assert.ok(kills.every((k) => browserPids.has(Number(k.pid))), `simple-lmk takes 120 MiB browser processes first\n${reapd.describe()}`);
    assert.ok(s.leak && alive(s.leak), 'the leaker lives on');
  });
});

test('kill_unit = "cgroup": every member of the leak scope dies, each reaped; nothing outside it is touched', { skip, timeout: 120_000 }, async () => {
  // self_protect: the kill thread at SCHED_FIFO is what lets the reaps win the race (group-kill.ts).
  await run({ leakHelpers: 2, selfProtect: true }, (s) => ['scope = "cgroup"', `scope_root = "${s.root.path}"`, 'kill_unit = "cgroup"'], async ({ s, reapd, kills }) => {
    const members = [s.leak, ...s.helpers].map((h) => h?.pid ?? 0).sort();
    assert.deepEqual(kills.map((k) => Number(k.pid)).sort(), members, reapd.describe());
    for (const k of kills) {
      assert.ok((k.notes as string[]).some((n) => /froze, then cgroup\.kill/.test(n)), `cgroup.kill was used: ${JSON.stringify(k.notes)}`);
      assert.equal(k.killed, true);
      assert.equal(k.reaped, true, `pid ${String(k.pid)} reaped by process_mrelease: ${JSON.stringify(k)}`);
    }
    for (const h of [s.leak, ...s.helpers]) assert.equal((await withTimeout(h?.exited ?? Promise.resolve({ code: null, signal: null }), 5000, 'member exit')).signal, 'SIGKILL');
    assert.ok(s.browser.every(alive), 'no process outside the scope is touched');
    assert.equal(s.root.read('leak.scope/cgroup.freeze').trim(), '0', 'the scope is thawed afterwards');
  });
});

test('user.oomd_avoid on the leak scope: passed over while the browser scope can free enough', { skip, timeout: 120_000 }, async () => {
  await run({ xattrs: { leak: ['user.oomd_avoid'] } }, (s) => ['scope = "cgroup"', `scope_root = "${s.root.path}"`], ({ s, reapd, kills }) => {
    const browserPids = new Set(s.browser.map((h) => h.pid));
    assert.ok(kills.length > 0 && kills.every((k) => browserPids.has(Number(k.pid))), reapd.describe());
    assert.ok(s.leak && alive(s.leak), 'the avoided scope is left alone');
  });
});

test('user.oomd_omit on the leak scope, user.oomd_avoid on the browser: the avoided browser is chosen, the omitted leak never', { skip, timeout: 120_000 }, async () => {
  await run({ xattrs: { leak: ['user.oomd_omit'], browser: ['user.oomd_avoid'] } }, (s) => ['scope = "cgroup"', `scope_root = "${s.root.path}"`], ({ s, reapd, kills }) => {
    const browserPids = new Set(s.browser.map((h) => h.pid));
    assert.ok(kills.length > 0 && kills.every((k) => browserPids.has(Number(k.pid))), reapd.describe());
    assert.match(String(kills[0]?.scopeWhy), /chosen although avoided/);
    assert.ok(s.leak && alive(s.leak), 'the omitted scope is never chosen');
  });
});
