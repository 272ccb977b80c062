// `reapd explain --config` decides as the daemon's domain decides (issue 12): min_adj is a
// protection rule of the Domain (src/engine/domain.ts), not a filter in front of it. The
// two used to disagree: explain dropped the processes below min_adj from the snapshot, so
// they were missing from its skipped list, and with scope = "cgroup" a scope lost their
// memory from its size — explain chose another scope, and another victim, than the daemon.
// Here one configuration file goes to both: the `reapd explain` binary, and the Domain
// the daemon builds from the same loaded [[domain]] (fake ports: a policy-level check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { loadConfig } from '../../src/config/load.js';
import { Domain } from '../../src/engine/domain.js';
import type { EventSink, KillResult, ProcessSource } from '../../src/engine/ports.js';
import type { Decision } from '../../src/model/decision.js';
import type { MemoryState, ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import { REAPD_BIN } from '../helpers/paths.js';

const MIB = 1024;

function proc(pid: number, name: string, scope: string, adj: number, anonMiB: number): ProcessInfo {
  return {
    pid, name, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: 1000 + pid, oomScoreAdj: adj,
    rssAnonKiB: anonMiB * MIB, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0, cgroupV2: `/apps/${scope}`,
  };
}

const MEMORY: MemoryState = {
  totalKiB: 4096 * MIB, freeKiB: 20 * MIB, availableKiB: 30 * MIB, cachedKiB: 40 * MIB, buffersKiB: 0, shmemKiB: 0,
  unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 16 * MIB,
};

/**
 * big.scope holds 410 MiB, 400 of them in a process below min_adj; small.scope 100 MiB.
 * Ranked by size, big.scope comes first, and its only candidate is the small helper.
 */
const SNAPSHOT: Snapshot = {
  version: 1,
  timeMs: 1_735_689_600_000,
  memory: MEMORY,
  processes: [
    proc(2001, 'database', 'big.scope', 0, 400),
    proc(2002, 'helper', 'big.scope', 900, 10),
    proc(3001, 'worker', 'small.scope', 900, 100),
  ],
};

const CONFIG = [
  '[[domain]]', 'name = "apps"', 'policy = "simple-lmk"', 'minfree = "64MiB"', 'min_adj = 500', 'dry_run = true',
  'scope = "cgroup"', 'scope_root = "/sys/fs/cgroup/unified/apps"', 'scope_rank = "size"', '',
].join('\n');

interface FrameJson {
  victims: Array<{ pid: number }>;
  skipped: Array<{ pid: number; reason: string }>;
  minAdj?: { adj: number; leftOut: number };
  scopes?: { chosen?: string };
}

/** The daemon's Domain for the file's [[domain]], on a source that serves SNAPSHOT: its decision at one event. */
async function daemonDecision(configFile: string): Promise<Decision> {
  const [settings] = loadConfig(configFile).domains;
  assert.ok(settings);
  const decisions: Decision[] = [];
  const source: ProcessSource = { scan: async () => SNAPSHOT, readMemory: async () => ({ memory: MEMORY }) };
  const events: EventSink = { log: () => undefined, decision: (_d, d) => decisions.push(d), kill: () => undefined };
  const killer = {
    kill: async (victims: readonly KillResult['victim'][]): Promise<KillResult[]> =>
      victims.map((victim) => ({ victim, killed: false, reaped: false, reapMs: null, signalAtMs: null, notes: [] })),
    waitForExit: async (results: readonly KillResult[]) => results.map(() => null),
  };
  const clock = { nowMs: () => 5_000, wallMs: () => SNAPSHOT.timeMs ?? 0 };
  const domain = new Domain(settings, { source, killer, journal: { append: () => undefined }, events, clock, selfPid: 4242 });
  await domain.onTrigger({ source: 'test', level: 'critical', atMs: 5_000 });
  assert.equal(decisions.length, 1, 'the domain decided once');
  return decisions[0] as Decision;
}

test('explain --config with min_adj decides as the daemon\'s domain: skipped min-adj, the same scope and victim', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-domain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'reapd.toml');
  const snapshotFile = join(dir, 'snapshot.json');
  writeFileSync(configFile, CONFIG);
  writeFileSync(snapshotFile, JSON.stringify(SNAPSHOT));

  const r = spawnSync(process.execPath, [REAPD_BIN, 'explain', '--snapshot', snapshotFile, '--config', configFile, '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, EXIT.OK, r.stderr);
  const frame = JSON.parse(r.stdout) as FrameJson;
  assert.equal(frame.skipped.find((s) => s.pid === 2001)?.reason, 'min-adj', 'the process below min_adj is skipped for min-adj');
  assert.deepEqual(frame.minAdj, { adj: 500, leftOut: 1 });
  assert.equal(frame.scopes?.chosen, '/apps/big.scope', 'the scope keeps the memory of its process below min_adj');
  assert.deepEqual(frame.victims.map((v) => v.pid), [2002]);

  const daemon = await daemonDecision(configFile);
  assert.deepEqual(frame.victims.map((v) => v.pid), daemon.victims.map((v) => v.pid), 'explain names the daemon\'s victims');
  assert.equal(frame.scopes?.chosen, daemon.scopes?.chosen);
  const reasons = (skips: ReadonlyArray<{ pid: number; reason: string }>): string[] => skips.map((s) => `${s.pid} ${s.reason}`).sort();
  assert.deepEqual(reasons(frame.skipped), reasons(daemon.skipped), 'explain skips what the daemon skips, for the same reasons');
});
