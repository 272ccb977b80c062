// End to end: [hooks] during a real kill in a v1 memcg. pre_kill is a script that writes
// its environment and then sleeps 10 s: the kill is not held up by it (both victims die,
// the growing hog completes), the hook sees the victim's facts, and it is killed at its
// 1 s time limit (its process gone, `hook-timeout` logged). post_kill exits 3: logged
// with its stderr. event -> SIGKILL from the daemon's log is reported beside a run without
// hooks (no timing assertion; docs/performance.md has the numbers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { waitFor } from '../helpers/hog.js';
import { startKillScenario } from './kill-scenario.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function writeScript(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const signalTimes = (lines: Array<Record<string, unknown>>): number[] => lines.map((l) => Number(l.eventToSignalMs)).filter(Number.isFinite);

test('hooks: a 10 s pre_kill does not hold the kill and is killed at its time limit; a failing post_kill is logged', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-hooks-'));
  const out = join(dir, 'out');
  writeFileSync(out, '');
  const pre = writeScript(join(dir, 'pre.sh'), `env | grep '^REAPD_' > "${dir}/pre-$REAPD_PID.env"\necho $$ > "${dir}/pre-$REAPD_PID.hookpid"\nexec sleep 10`);
  const post = writeScript(join(dir, 'post.sh'), `echo "post $REAPD_PID killed=$REAPD_KILLED" >> "${out}"\necho "no pager here" >&2\nexit 3`);
  const without = await startKillScenario({ name: 'nohooks' });
  let baseline: number[] = [];
  try {
    await without.squeeze();
    baseline = signalTimes(without.kills());
  } finally {
    await without.cleanup();
  }
  const s = await startKillScenario({ name: 'hooks', tables: ['[hooks]', `pre_kill = "${pre}"`, `post_kill = "${post}"`, 'timeout = "1s"'] });
  try {
    await s.reapd.waitForEvent('hooks', 5000);
    await s.squeeze();
    const kills = s.kills().slice(0, 2);
    assert.equal(kills.length, 2, s.reapd.describe());
    for (const v of s.victims) assert.equal((await v.exited).signal, 'SIGKILL');
    // The pre_kill hooks saw their victim's facts.
    await waitFor(() => kills.every((k) => existsSync(join(dir, `pre-${String(k.pid)}.hookpid`))), 10_000, 'both pre_kill hooks started');
    for (const k of kills) {
      const env = readFileSync(join(dir, `pre-${String(k.pid)}.env`), 'utf8');
      assert.match(env, new RegExp(`^REAPD_PID=${String(k.pid)}$`, 'm'));
      assert.match(env, new RegExp(`^REAPD_NAME=${String(k.name)}$`, 'm'));
      assert.match(env, /^REAPD_DOMAIN=apps$/m);
      assert.match(env, /^REAPD_HOOK=pre_kill$/m);
      assert.match(env, new RegExp(`^REAPD_SIZE_KIB=${String(k.sizeKiB)}$`, 'm'));
    }
    // ... and are killed at their 1 s limit, not left sleeping for 10 s.
    await s.reapd.waitFor(() => s.reapd.events('hook-timeout').length >= 2, 8000, 'two hook-timeout lines');
    const hookPids = readdirSync(dir).filter((f) => f.endsWith('.hookpid')).map((f) => Number(readFileSync(join(dir, f), 'utf8')));
    await waitFor(() => hookPids.every((p) => !alive(p)), 3000, 'the timed-out hooks are gone');
    // post_kill ran once per victim, after the kill, and its failure is logged with stderr.
    await s.reapd.waitFor(() => s.reapd.events('hook-failed').length >= s.kills().length, 8000, 'a hook-failed line per kill');
    const failed = s.reapd.events('hook-failed');
    assert.ok(failed.every((l) => l.hook === 'post_kill' && l.exitCode === 3 && l.stderr === 'no pager here'), JSON.stringify(failed));
    // One post_kill per kill line (under load a third reclaim may kill the grown hog too).
    await waitFor(() => readFileSync(out, 'utf8').trim().split('\n').length >= s.kills().length, 5000, 'a post_kill per kill');
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').sort(), s.kills().map((k) => `post ${String(k.pid)} killed=1`).sort());
    t.diagnostic(`event -> SIGKILL (ms, from the daemon's log): without hooks ${baseline.join(', ')}; with hooks ${signalTimes(kills).join(', ')}`);
  } finally {
    await s.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
