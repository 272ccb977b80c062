// Issue 11 item 9: LMK_STAT_KILL_OCCURRED carries lmkd's task name (argv[0] from
// /proc/PID/cmdline, up to its NUL, cut at the first space, at most 127 bytes) read while
// the process lived, min_oom_score is the adj of the level that applied, and debug lines
// that are not written do not count against a connection's log limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LmkdClient } from '../../src/control/client.js';
import { LogLimiter } from '../../src/control/log-limiter.js';
import { lmkdTaskName } from '../../src/control/task-name.js';
import type { KillRecord } from '../../src/model/kill-record.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import { startServer } from './helpers.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('lmkd task name: argv[0] to the first NUL, cut at the first space, at most 127 bytes', () => {
  assert.equal(lmkdTaskName(bytes('com.reapd.aosptest.adj1000\0--flag\0')), 'com.reapd.aosptest.adj1000');
  assert.equal(lmkdTaskName(bytes('/system/bin/app_process64 --zygote\0')), '/system/bin/app_process64');
  assert.equal(lmkdTaskName(bytes(`${'x'.repeat(200)}\0`)), 'x'.repeat(127));
  assert.equal(lmkdTaskName(bytes('')), undefined);
  assert.equal(lmkdTaskName(bytes(`${'x'.repeat(126)}é\0`)), 'x'.repeat(126), 'a character is not split at the limit');
});

test('the kill report names the process as lmkd does, read at registration (before the kill); min_oom_score is the level adj', async () => {
  const t = await startServer();
  // comm is "sleep"; argv[0] is the Android-style process name.
  const child = spawn('bash', ['-c', 'exec -a com.reapd.aosptest.adj1000 sleep 60'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const c = await LmkdClient.connect(t.path);
  const stats: Array<{ taskName: string; minOomScore: number; oomScore: number }> = [];
  c.onStat((s) => stats.push(s));
  try {
    await c.subscribe('stat');
    const pid = child.pid as number;
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('com.reapd');
      } catch {
        return false;
      }
    }, 5000, 'exec -a done');
    await c.procPrio(pid, 10001, 906);
    await c.getKillCount();
    child.kill('SIGKILL');
    await withTimeout(exited, 5000, 'child exit');
    const record: KillRecord = {
      time: new Date().toISOString(), pid, name: 'sleep', uid: 0, oomScoreAdj: 906, sizeKiB: 1024, anonKiB: 512,
      policy: 'lmkd', reason: 'level', reaped: true, reapMs: 1, exitMs: 2, dryRun: false, levelAdj: 900,
    };
    t.server.notifyKill(record);
    await waitFor(() => stats.length === 1, 5000, 'kill stat');
    assert.equal(stats[0]?.taskName, 'com.reapd.aosptest.adj1000');
    assert.equal(stats[0]?.minOomScore, 900);
    assert.equal(stats[0]?.oomScore, 906);
  } finally {
    await c.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await t.stop();
  }
});

test('lines the log would not write do not count against the per-connection limit', () => {
  const written: string[] = [];
  const limiter = new LogLimiter((_l, event) => void written.push(event), () => 0, 10, 1000, {}, (level) => level !== 'debug');
  for (let i = 0; i < 12; i++) limiter.line('debug', 'control.registered', 'registered');
  limiter.line('warn', 'control.refused', 'refused');
  limiter.flush();
  assert.deepEqual(written, ['control.refused'], 'the refusal is written, nothing is reported suppressed');
});
