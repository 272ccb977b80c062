// reapd's own memory cgroup on our machines (cgroup v1 memory, no swap, issue 20): a real
// `reapd run` makes a memcg of its own inside the one it was started in, moves itself
// there (every thread), sets memory.swappiness = 0, says what v1 cannot give (no
// memory.min), reports it all through `doctor --json --pid`, and at a clean stop moves
// back and removes the group. With self_cgroup = false it stays where it was, and says so.
// The cgroup2 side (memory.swap.max = 0, memory.min) is checked on the VM tier (test/vm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reapd, type LogLine } from '../cli/run-harness.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';
import type { OwnMemoryReport } from '../../src/kernel/self/report.js';

const memoryPathOf = (pid: number | 'self'): string =>
  /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '?';

/** The test runner must not be the only process of its memcg, or reapd would take that group as its own. */
function needSharedMemcg(): string | undefined {
  const own = memoryPathOf('self');
  const procs = readFileSync(join('/sys/fs/cgroup/memory', own, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  return own !== '/' && procs.length < 2 ? `the test runs alone in memcg ${own}` : undefined;
}

function config(extra: string[], memcg: string): string {
  return ['[daemon]', 'socket = ""', 'dry_run = true', ...extra, '[[domain]]', 'name = "own"', `memcg = "${memcg}"`, ''].join('\n');
}

const stepLine = (r: Reapd, step: string): LogLine | undefined => r.events('self-protect').find((l) => l.step === step);

test('reapd run on cgroup v1: a memcg of its own, swappiness 0, what v1 cannot give said, removed at stop', { skip: firstReason(needRoot(), needCgroupV1('memory'), needSharedMemcg()) }, async () => {
  const domain = memcgV1({ limitMiB: 64 });
  const reapd = new Reapd();
  try {
    reapd.start({ config: config([], domain.path) });
    await reapd.waitForEvent('self-memory', 60_000);
    const pid = reapd.child?.pid as number;
    const own = stepLine(reapd, 'own-cgroup');
    assert.equal(own?.status, 'done', own?.msg);
    const group = memoryPathOf(pid);
    assert.equal(own?.group, group, 'the log names the group the kernel shows');
    assert.equal(group, `${memoryPathOf('self')}/reapd`, 'a child of the group it was started in');
    const dir = join('/sys/fs/cgroup/memory', group);
    assert.deepEqual(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim().split('\n'), [String(pid)], 'alone in it');
    // Every thread moved (cgroup.procs moves the thread group): the kill thread, the watchdog, V8's.
    const tasks = new Set(readFileSync(join(dir, 'tasks'), 'utf8').trim().split('\n'));
    const threads = readdirSync(`/proc/${pid}/task`);
    assert.ok(threads.length > 3 && threads.every((t) => tasks.has(t)), `threads ${threads.join(',')} all in ${[...tasks].join(',')}`);
    assert.equal(readFileSync(join(dir, 'memory.swappiness'), 'utf8').trim(), '0');
    assert.match(stepLine(reapd, 'no-swap')?.msg ?? '', /memory\.swappiness = 0/);
    const min = stepLine(reapd, 'memory-min');
    assert.equal(min?.status, 'failed');
    assert.equal(min?.level, 'warn');
    assert.match(min?.msg ?? '', /cgroup v1 has no memory\.min/);
    const report = (JSON.parse(execFileSync(process.execPath, [REAPD_BIN, 'doctor', '--json', '--pid', String(pid)], { encoding: 'utf8', timeout: 30_000 })) as { ownMemory: OwnMemoryReport }).ownMemory;
    assert.equal(report.subject.kind, 'running daemon');
    assert.equal(report.cgroup?.path, group);
    assert.equal(report.cgroup?.dedicated, true);
    assert.ok(report.inPlace.some((s) => /memory\.swappiness = 0/.test(s)), report.inPlace.join('; '));
    assert.ok(report.missing.some((s) => /no memory\.min/.test(s)), report.missing.join('; '));
    assert.equal(report.memory?.vmSwapKiB, 0);
    assert.ok((report.memory?.filePages?.lockedMappings ?? 0) > 5, 'its code mappings are locked');
    const stopped = await reapd.stop();
    assert.equal(stopped.code, 0, reapd.stderr);
    assert.equal(existsSync(dir), false, 'the group it made is gone after a clean stop');
    assert.ok(reapd.events('self-cgroup').some((l) => /moved back/.test(l.msg)));
  } finally {
    await reapd.stop();
    await domain.remove();
  }
});

test('self_cgroup = false: reapd stays in the group it was started in and says its memory can be swapped out', { skip: firstReason(needRoot(), needCgroupV1('memory')) }, async () => {
  const domain = memcgV1({ limitMiB: 64 });
  const reapd = new Reapd();
  try {
    reapd.start({ config: config(['self_cgroup = false'], domain.path) });
    await reapd.waitForEvent('started', 60_000);
    const own = stepLine(reapd, 'own-cgroup');
    assert.equal(own?.status, 'skipped');
    assert.match(own?.msg ?? '', /can be swapped out/);
    assert.equal(memoryPathOf(reapd.child?.pid as number), memoryPathOf('self'));
    assert.equal(stepLine(reapd, 'no-swap'), undefined);
  } finally {
    await reapd.stop();
    await domain.remove();
  }
});

/** policy and rt_priority of one thread, from /proc/PID/task/TID/stat (fields 41 and 40). */
function schedOf(pid: number, tid: number): { policy: number; rtPriority: number } {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm) " the first field is field 3 (state): field N is fields[N - 3].
  return { policy: Number(fields[41 - 3]) & 0xff, rtPriority: Number(fields[40 - 3]) };
}

test('the main loop runs at SCHED_FIFO 1 (as lmkd\'s), below the kill thread; self_protect = false leaves it at normal priority', { skip: firstReason(needRoot(), needCgroupV1('memory')) }, async () => {
  const domain = memcgV1({ limitMiB: 64 });
  for (const protect of [true, false]) {
    const reapd = new Reapd();
    try {
      reapd.start({ config: config(protect ? [] : ['self_protect = false'], domain.path) });
      await reapd.waitForEvent('started', 60_000);
      const pid = reapd.child?.pid as number;
      const main = schedOf(pid, pid);
      if (!protect) {
        assert.deepEqual(main, { policy: 0, rtPriority: 0 }, 'SCHED_OTHER without self-protection');
        continue;
      }
      const step = stepLine(reapd, 'realtime-main');
      assert.equal(step?.status, 'done', step?.msg);
      assert.deepEqual(main, { policy: 1, rtPriority: 1 }, 'the main thread: SCHED_FIFO 1');
      const rt = readdirSync(`/proc/${pid}/task`).map((t) => schedOf(pid, Number(t))).filter((s) => s.policy === 1);
      assert.ok(rt.some((s) => s.rtPriority === 10), `the kill thread stays above it at 10: ${JSON.stringify(rt)}`);
    } finally {
      await reapd.stop();
    }
  }
  await domain.remove();
});
