// PID reuse, made deterministic in a new pid namespace with ns_last_pid (the work is
// done by pid-reuse-child.ts, running as pid 1 there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { needRoot } from '../../helpers/skip.js';

function needPidNamespace(): string | undefined {
  try {
    execFileSync('unshare', ['-p', '-f', '--mount-proc', 'true'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'cannot create a pid namespace (unshare -p -f --mount-proc)';
  }
}

const skip = needRoot() ?? needPidNamespace();
const child = join(REPO_ROOT, 'dist', 'test', 'kernel', 'kill', 'pid-reuse-child.js');

for (const mode of ['worker', 'inline'] as const) {
  test(`pid reuse (${mode}): the stale victim is refused as identity-changed and the new process is untouched`, { skip, timeout: 60_000 }, () => {
    const r = spawnSync('unshare', ['-p', '-f', '--mount-proc', process.execPath, child, mode], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const facts = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    assert.equal(facts.samePid, true, `the newcomer did not take pid ${String(facts.pid)}`);
    assert.equal(facts.staleKilled, false);
    assert.equal(facts.staleError, 'identity-changed');
    assert.equal(facts.newcomerAlive, true);
    // The control kill proves the killer could reach that pid at all.
    assert.equal(facts.freshKilled, true);
    assert.equal(facts.newcomerSignal, 'SIGKILL');
  });
}
