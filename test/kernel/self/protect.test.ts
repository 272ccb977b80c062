import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockableMappings, parseMaps, type ProtectionStep, type SelfProtectionReport } from '../../../src/kernel/self/protect.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { hasCapSysResource, needRoot } from '../../helpers/skip.js';

const CHILD = join(REPO_ROOT, 'dist', 'test', 'kernel', 'self', 'protect-child.js');

interface ChildResult {
  report: SelfProtectionReport; lockedKiB: number; rssBeforeKiB: number; rssAfterKiB: number; pid: number;
  policies: Record<string, number>; oomScoreAdj: number;
}

function runChild(command: string, args: string[]): { status: number | null; result?: ChildResult; stderr: string } {
  const r = spawnSync(command, args, { timeout: 20_000, encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  return { status: r.status, stderr: r.stderr, ...(line ? { result: JSON.parse(line) as ChildResult } : {}) };
}

const step = (r: SelfProtectionReport, name: string): ProtectionStep | undefined => r.steps.find((s) => s.step === name);

test('parseMaps and lockableMappings: file-backed code only, never guards, heap, memfd or deleted files', () => {
  const text = [
    '55d0c8a00000-55d0c8c00000 r-xp 00200000 fe:00 1311 /usr/bin/node',
    '55d0c8c00000-55d0c8c01000 ---p 00000000 00:00 0 ',
    '7f0000000000-7f0000001000 ---p 00000000 fe:00 42 /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f0000001000-7f0000002000 rw-p 00001000 fe:00 42 /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f0000002000-7f0000003000 rw-p 00000000 00:00 0 ',
    '7f0000003000-7f0000004000 rw-p 00000000 00:00 0                          [heap]',
    '7f0000004000-7f0000005000 r-xp 00000000 00:01 7 /memfd:doublemapper (deleted)',
    '7f0000005000-7f0000006000 r--p 00000000 fe:00 9 /tmp/gone (deleted)',
    '7f0000006000-7f0000007000 r--p 00000000 fe:00 9 /path with spaces/lib.so',
    'garbage line',
    '',
  ].join('\n');
  const maps = parseMaps(text);
  assert.equal(maps.length, 9);
  assert.equal(maps[0]?.end, 0x55d0c8c00000n);
  assert.deepEqual(lockableMappings(maps).map((m) => `${m.perms} ${m.path}`), [
    'r-xp /usr/bin/node',
    'rw-p /usr/lib/x86_64-linux-gnu/libc.so.6',
    'r--p /path with spaces/lib.so',
  ]);
});

test('protectSelf: oom_score_adj, code locked without mlockall (V8 survives heap churn), RT on the calling thread only', { skip: needRoot() }, () => {
  const { status, result, stderr } = runChild(process.execPath, [CHILD, 'rt']);
  assert.equal(status, 0, `child exited cleanly (no V8 abort): ${stderr}`);
  assert.ok(result);
  const oom = step(result.report, 'oom-score-adj');
  if (hasCapSysResource()) {
    assert.equal(oom?.status, 'done');
    assert.equal(result.oomScoreAdj, -1000);
  } else {
    assert.equal(oom?.status, 'failed');
    assert.equal(oom?.errno, 'EACCES');
    assert.match(oom?.warning ?? '', /CAP_SYS_RESOURCE/);
    assert.match(oom?.warning ?? '', /OOMScoreAdjust=-1000/);
    assert.ok(result.report.warnings.includes(oom?.warning ?? ''));
  }
  const lock = step(result.report, 'mlock-code');
  assert.equal(lock?.status, 'done', lock?.message);
  const lockedMiB = Number(lock?.details?.lockedMiB);
  assert.ok(lockedMiB > 10, `the node binary and its libraries are locked (${lockedMiB} MiB)`);
  assert.ok(Math.abs(result.lockedKiB / 1024 - lockedMiB) < 1, `VmLck (${result.lockedKiB} kB) matches the report`);
  // The default is a plain mlock: every page of the mappings is faulted in and locked.
  assert.equal(lock?.details?.mode, 'mlock', lock?.message);
  assert.ok(result.rssAfterKiB - result.rssBeforeKiB > (lockedMiB * 1024) / 4,
    `locking faulted the mappings in (RSS ${result.rssBeforeKiB} → ${result.rssAfterKiB} kB, ${lockedMiB} MiB locked)`);
  const rt = step(result.report, 'realtime-main');
  assert.equal(rt?.status, 'done', rt?.message);
  // SCHED_RR is 2; the main thread's tid equals the pid; every other thread stays SCHED_OTHER.
  assert.equal(result.policies[String(result.pid)], 2);
  const others = Object.entries(result.policies).filter(([tid]) => tid !== String(result.pid));
  assert.ok(others.length > 0);
  assert.ok(others.every(([, policy]) => policy === 0), JSON.stringify(result.policies));
});

test('lockOnFault: mlock2(MLOCK_ONFAULT) locks the same mappings without faulting them in', { skip: needRoot() }, () => {
  const { status, result, stderr } = runChild(process.execPath, [CHILD, 'onfault']);
  assert.equal(status, 0, `child exited cleanly (no V8 abort): ${stderr}`);
  assert.ok(result);
  const lock = step(result.report, 'mlock-code');
  assert.equal(lock?.status, 'done', lock?.message);
  assert.equal(lock?.details?.mode, 'onfault', lock?.message);
  const lockedMiB = Number(lock?.details?.lockedMiB);
  assert.ok(Math.abs(result.lockedKiB / 1024 - lockedMiB) < 1, `VmLck (${result.lockedKiB} kB) counts the whole mappings`);
  // A plain mlock faulted all ~90 MiB of the node binary in (RSS 46.9 → 101 MB); on fault RSS barely moves.
  assert.ok(result.rssAfterKiB - result.rssBeforeKiB < (lockedMiB * 1024) / 4,
    `locking did not fault the mappings in (RSS ${result.rssBeforeKiB} → ${result.rssAfterKiB} kB, ${lockedMiB} MiB locked)`);
});

test('without CAP_IPC_LOCK the 8 MiB memlock limit stops the lock, with a warning naming the fix', { skip: needRoot() }, () => {
  const { status, result, stderr } = runChild('capsh', ['--drop=cap_ipc_lock', '--', '-c', `exec '${process.execPath}' '${CHILD}'`]);
  assert.equal(status, 0, stderr);
  assert.ok(result);
  const lock = step(result.report, 'mlock-code');
  assert.ok(lock?.status === 'partial' || lock?.status === 'failed', lock?.message);
  assert.ok(['ENOMEM', 'EPERM'].includes(lock?.errno ?? ''), lock?.errno);
  assert.match(lock?.warning ?? '', /CAP_IPC_LOCK/);
  assert.ok(result.lockedKiB <= 8 * 1024, `no more than RLIMIT_MEMLOCK locked (${result.lockedKiB} kB)`);
});

test('setThreadRealtime in a worker changes that thread only, with SCHED_RESET_ON_FORK', { skip: needRoot() }, async () => {
  const url = new URL('./protect-rt-worker.js', import.meta.url);
  const worker = new Worker(url);
  const msg = await new Promise<{ tid: number; step: ProtectionStep; policy: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    assert.equal(msg.step.status, 'done', msg.step.message);
    assert.equal(msg.policy, 0x40000001, 'SCHED_FIFO | SCHED_RESET_ON_FORK on the worker thread');
    const stat = readFileSync(`/proc/self/task/${msg.tid}/stat`, 'utf8');
    assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]), 1);
    const mainStat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    assert.equal(Number(mainStat.slice(mainStat.lastIndexOf(')') + 2).split(' ')[38]), 0, 'the main thread is untouched');
  } finally {
    await worker.terminate();
  }
});
