import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fdCeiling, parseOpenFilesLimit } from '../../../src/kernel/procfs/limits.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { hasCapSysResource } from '../../helpers/skip.js';

test('the limits line of /proc/self/limits, and the ceiling that keeps 1024 fds free', () => {
  assert.deepEqual(parseOpenFilesLimit('Max open files            20000                20000                files     \n'), { soft: 20000, hard: 20000 });
  assert.equal(parseOpenFilesLimit('Max open files            unlimited            unlimited            files')?.soft, Number.MAX_SAFE_INTEGER);
  assert.equal(parseOpenFilesLimit('nothing'), undefined);
  assert.equal(fdCeiling({ soft: 20000, hard: 20000 }), 18976);
  assert.equal(fdCeiling({ soft: 1024, hard: 4096 }), 768);
});

// In a child process: this test runner's own limits stay untouched.
test('a source raises RLIMIT_NOFILE when 4 fds per process do not fit; past the hard limit only with CAP_SYS_RESOURCE', () => {
  const script = `
    const { setRlimit, getRlimit, RLIMIT_NOFILE } = await import('${REPO_ROOT}dist/src/kernel/sys/rlimit.js');
    const { raiseOpenFilesLimit } = await import('${REPO_ROOT}dist/src/kernel/procfs/limits.js');
    const { KernelProcessSource } = await import('${REPO_ROOT}dist/src/kernel/source.js');
    const start = getRlimit(RLIMIT_NOFILE);
    setRlimit(RLIMIT_NOFILE, { soft: 256n, hard: start.hard });
    const source = new KernelProcessSource();
    const snap = source.scanSync();
    const afterScan = Number(getRlimit(RLIMIT_NOFILE).soft);
    const past = raiseOpenFilesLimit(Number(start.hard) + 1000);
    source.close();
    console.log(JSON.stringify({ processes: snap.processes.length, hard: Number(start.hard), afterScan, past, heldFds: source.lastScanStats.cachedFds }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })) as {
    processes: number; hard: number; afterScan: number; heldFds: number; past: { limit: { soft: number; hard: number }; error?: string };
  };
  assert.ok(out.afterScan >= Math.min(out.hard, out.processes * 4 + 1024), `soft raised from 256 to ${out.afterScan}`);
  assert.ok(out.heldFds > 0);
  if (hasCapSysResource()) {
    assert.equal(out.past.error, undefined);
    assert.equal(out.past.limit.hard, out.hard + 1000);
  } else {
    assert.equal(out.past.error, 'EPERM');
    assert.equal(out.past.limit.soft, out.hard, 'without the capability: soft = hard, no further');
  }
});
