// Node flags for a small daemon: which are missing, re-executing under them (same pid,
// stdio kept), and the RSS they save under a synthetic reclaim churn, measured side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { missingNodeFlags, recommendedNodeFlags, REEXEC_OPT_OUT } from '../../../src/kernel/self/node-flags.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const dist = (name: string): string => join(REPO_ROOT, 'dist', 'test', 'kernel', 'self', name);

test('missingNodeFlags compares by name, including NODE_OPTIONS', () => {
  const wanted = recommendedNodeFlags();
  assert.deepEqual(missingNodeFlags(wanted, [], ''), wanted);
  assert.deepEqual(missingNodeFlags(wanted, ['--max-old-space-size=512'], '--v8-pool-size=4'), ['--max-semi-space-size=2']);
  assert.deepEqual(missingNodeFlags(wanted, ['--max_old_space_size=512', '--max-semi-space-size=2', '--v8-pool-size=1'], ''), []);
  assert.ok(recommendedNodeFlags('small').includes('--jitless'));
  for (const f of [...wanted, ...recommendedNodeFlags('small')]) {
    const m = /^--max-old-space-size=(\d+)$/.exec(f);
    if (m) assert.ok(Number(m[1]) >= 32, 'never below 32 MiB of old space (16 crashed, kernel-interfaces §5.4)');
  }
});

interface Line { stage: string; pid: number; execArgv: string[]; outcome?: { reexeced: boolean; reason: string } }

function runReexecChild(env: NodeJS.ProcessEnv): Line[] {
  const r = spawnSync(process.execPath, [dist('node-flags-reexec-child.js')], { timeout: 10_000, encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
}

test('reexecWithNodeFlags: execve in place — same pid, stdout kept, flags applied, no loop', () => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.REAPD_NODE_FLAGS_APPLIED;
  delete env[REEXEC_OPT_OUT];
  const lines = runReexecChild(env);
  assert.deepEqual(lines.map((l) => l.stage), ['start', 'start', 'after']);
  const [first, second, after] = lines as [Line, Line, Line];
  assert.equal(second.pid, first.pid, 'execve keeps the pid');
  assert.deepEqual(first.execArgv, []);
  for (const f of recommendedNodeFlags()) assert.ok(second.execArgv.includes(f), `${f} applied`);
  assert.match(after.outcome?.reason ?? '', /in effect/);
});

test('reexecWithNodeFlags: REAPD_REEXEC=0 opts out', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, [REEXEC_OPT_OUT]: '0' };
  delete env.NODE_OPTIONS;
  delete env.REAPD_NODE_FLAGS_APPLIED;
  const lines = runReexecChild(env);
  assert.deepEqual(lines.map((l) => l.stage), ['start', 'after']);
  assert.match(lines[1]?.outcome?.reason ?? '', /REAPD_REEXEC=0/);
});

interface Churn { rssKiB: number; anonKiB: number; fileKiB: number; churnMs: number }

function churn(flags: string[]): Churn {
  const r = spawnSync(process.execPath, [...flags, dist('node-flags-churn.js'), '300'], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Churn;
}

test('the recommended flags keep RSS smaller under reclaim-like heap churn (side by side)', { timeout: 60_000 }, (t) => {
  const rows: Array<[string, Churn]> = [
    ['no flags', churn([])],
    ['default', churn(recommendedNodeFlags())],
    ['small', churn(recommendedNodeFlags('small'))],
  ];
  for (const [name, c] of rows) {
    t.diagnostic(`${name}: RSS ${c.rssKiB} kB (anon ${c.anonKiB}, file ${c.fileKiB}), churn ${c.churnMs} ms`);
  }
  const none = rows[0]?.[1] as Churn;
  const def = rows[1]?.[1] as Churn;
  assert.ok(def.anonKiB < none.anonKiB, `default flags: anon ${def.anonKiB} kB < ${none.anonKiB} kB without`);
  assert.ok(def.rssKiB < none.rssKiB);
});
