// The daemon and the simulator decide alike. Real hogs fill a cgroup v1 memcg (oom_kill
// disabled, so the kernel never kills) while `reapd run --dry-run` watches it and
// `reapd record --memcg` records it. The trace is replayed through the simulator, and:
//  1. every decision the replay made is the one the policy itself makes on that frame
//     (minus the victims of earlier decisions, their memory credited), and no frame where
//     the replay did nothing would have made the policy kill — for all four policies;
//  2. the daemon's dry-run decision names the victims the replay's first decision names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN } from '../helpers/paths.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from '../cli/run-harness.js';
import { getPolicy } from '../../src/policy/registry.js';
import { NO_RULES } from '../../src/policy/types.js';
import type { PolicyName } from '../../src/model/decision.js';
import { loadTrace } from '../../src/sim/trace/load.js';
import { replayTrace, type Trace } from '../../src/sim/trace/replay.js';
import { adjustedSnapshot, identity, viewOf } from '../../src/sim/trace/frames.js';
import { buildParams } from '../../src/sim/params.js';
import type { RunResult } from '../../src/sim/results.js';
import { SELF_PID } from '../../src/sim/world.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

// simple-lmk as the daemon runs it below; the others set so that the recorded frames
// (which stay at the limit: nothing was really killed) call for more than one victim.
const PARAMS: Partial<Record<PolicyName, Record<string, unknown>>> = {
  'simple-lmk': { minfree: '16MiB' },
  lowmemorykiller: { levels: '16MiB:0,48MiB:500,64MiB:900', death_pending: '0ms' },
  lmkd: { levels: '16MiB:0,48MiB:500,64MiB:900' },
  'oom-score': { mem_available: 40 },
};

/**
 * The oracle: the policy applied directly to each recorded frame, in order, with the
 * victims of its earlier decisions removed. For threshold policies every frame is asked
 * (needsAction first); a pressure policy is asked on the frames where the replay acted.
 */
function checkAgainstPolicy(trace: Trace, run: RunResult, name: PolicyName): number {
  const policy = getPolicy(name);
  const params = buildParams(name, PARAMS[name]).params;
  let state = policy.initialState();
  const killed = new Set<string>();
  let decisions = 0;
  for (const frame of trace.frames) {
    const snapshot = adjustedSnapshot(frame, killed);
    const simVictims = run.kills.filter((k) => k.by === 'policy' && k.atMs === frame.atMs).map((k) => k.pid);
    const asked = policy.trigger === 'threshold' ? policy.needsAction(viewOf(snapshot), params) : simVictims.length > 0;
    if (!asked) {
      assert.deepEqual(simVictims, [], `${name} at ${frame.atMs} ms: the replay killed where the policy would not act`);
      continue;
    }
    const d = policy.decide(snapshot, state, params, { nowMs: frame.atMs, rules: NO_RULES, selfPid: SELF_PID });
    state = d.state;
    assert.deepEqual(simVictims, d.victims.map((v) => v.pid), `${name} at ${frame.atMs} ms: replay and policy chose the same victims`);
    for (const v of d.victims) killed.add(identity(v));
    if (d.victims.length > 0) decisions++;
  }
  return decisions;
}

function recordTrace(memcg: string, out: string, durationMs: number): Promise<number | null> {
  const child = spawn(process.execPath, [REAPD_BIN, 'record', '--memcg', memcg, '--interval', '100ms', '--duration', `${durationMs}ms`, '--out', out], { stdio: 'ignore' });
  return withTimeout(new Promise((resolve) => child.once('exit', (code) => resolve(code))), durationMs + 20_000, 'reapd record');
}

test('a recorded memcg trace, replayed, decides as the policies do on the same frames, and as the daemon in dry run', { skip, timeout: 90_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 160, oomKillDisable: true });
  const reapd = new Reapd();
  const dir = mkdtempSync(join(tmpdir(), 'reapd-agree-'));
  const hogs: Hog[] = [];
  try {
    const start = (mib: number, adj: number, name: string): Hog => {
      const h = spawnHog({ mib, oomScoreAdj: adj, cgroups: [memcg.path], name });
      hogs.push(h);
      return h;
    };
    const a900 = start(24, 900, 'reapd-agr-900');
    start(20, 500, 'reapd-agr-500');
    start(16, 0, 'reapd-agr-0');
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'hogs ready');
    reapd.start({
      config: ['[daemon]', 'socket = ""', 'self_protect = false', 'dry_run = true', '[[domain]]', 'name = "agree"', `memcg = "${memcg.path}"`,
        'policy = "simple-lmk"', 'minfree = "16MiB"', 'reclaim_timeout = "500ms"'].join('\n'),
    });
    await reapd.waitForEvent('domain-started', 15_000);
    const out = join(dir, 'trace.ndjson');
    const recording = recordTrace(memcg.path, out, 3000);
    await new Promise((r) => setTimeout(r, 500));
    start(200, 0, 'reapd-agr-grow'); // blocks at the limit: the group stays under pressure
    assert.equal(await recording, 0, 'reapd record succeeded');
    const wouldKill = await reapd.waitForEvent('kill', 20_000);
    assert.equal(wouldKill.dryRun, true);
    await reapd.stop();

    const trace = loadTrace(readFileSync(out, 'utf8'), 'trace.ndjson', 100);
    assert.ok(trace.frames.length >= 25, `${trace.frames.length} frames`);
    const result = await replayTrace(trace, { params: PARAMS });
    for (const run of result.runs) {
      const name = run.label as PolicyName;
      assert.ok(run.kills.some((k) => k.by === 'policy'), `${name} acted on the memcg at its limit`);
      if (name !== 'simple-lmk') assert.ok(run.kills.length >= 2, `${name}: ${run.kills.length} victims`);
      const decisions = checkAgainstPolicy(trace, run, name);
      assert.equal(decisions, run.reclaims.length, `${name}: every replay decision matched one of the policy's`);
    }
    // The daemon (dry run, simple-lmk, same minfree) chose what the replay chose first.
    const simple = result.runs.find((r) => r.label === 'simple-lmk');
    const firstReclaim = simple?.kills.filter((k) => k.reclaim === 0).map((k) => k.pid);
    const daemonFirst = reapd.journal().filter((r) => r.time === reapd.journal()[0]?.time).map((r) => r.pid);
    assert.deepEqual(firstReclaim, [a900.pid], 'simple-lmk: the adj-900 hog covers minfree on its own');
    assert.deepEqual(daemonFirst, firstReclaim, 'the daemon in dry run named the same victims');
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
