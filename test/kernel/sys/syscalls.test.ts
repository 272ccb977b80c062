import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { eventfd, eventfdRead, eventfdWrite, EFD_NONBLOCK, PollSet, POLLIN, pollAsync, close } from '../../../src/kernel/sys/io.js';
import { pidfdOpen, pidfdSendSignal, processMrelease, SIGKILL, kcmp, KCMP_VM, getpid } from '../../../src/kernel/sys/process.js';
import { SyscallError } from '../../../src/kernel/sys/errors.js';
import { syscallNumbers, SYSCALL_NUMBERS } from '../../../src/kernel/sys/numbers.js';
import { withTimeout } from '../../helpers/hog.js';

function sleeper(): Promise<number> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', reject);
  });
}

test('pidfd kill path: mrelease refuses a live process, succeeds after SIGKILL, poll sees the exit', async () => {
  const pid = await sleeper();
  const fd = pidfdOpen(pid);
  try {
    assert.throws(() => processMrelease(fd), (e: unknown) => e instanceof SyscallError && e.code === 'EINVAL');
    pidfdSendSignal(fd, SIGKILL);
    try {
      processMrelease(fd);
    } catch (e) {
      // The victim may have detached its mm already (kernel-interfaces §3.3).
      assert.ok(e instanceof SyscallError && e.code === 'ESRCH', String(e));
    }
    const set = new PollSet([{ fd, events: POLLIN }]);
    const ready = await withTimeout(pollAsync(set, 2000), 3000, 'pidfd poll');
    assert.equal(ready, 1);
    assert.ok(set.revents(0) & POLLIN);
  } finally {
    close(fd);
  }
});

test('errors carry errno and its name', () => {
  assert.throws(
    () => pidfdOpen(0x3fffffff),
    (e: unknown) => e instanceof SyscallError && e.code === 'ESRCH' && e.errno === 3 && e.syscall === 'pidfd_open',
  );
});

test('eventfd counts writes and resets on read', () => {
  const fd = eventfd(0, EFD_NONBLOCK);
  try {
    eventfdWrite(fd, 2n);
    eventfdWrite(fd, 3n);
    assert.equal(eventfdRead(fd), 5n);
    assert.throws(() => eventfdRead(fd), (e: unknown) => e instanceof SyscallError && e.code === 'EAGAIN');
  } finally {
    close(fd);
  }
});

test('kcmp says a process shares its own address space', () => {
  assert.equal(kcmp(getpid(), getpid(), KCMP_VM), 0);
});

test('syscall numbers: the pidfd calls are common to all four architectures', () => {
  for (const arch of ['x64', 'arm64', 'arm', 'riscv64'] as const) {
    const n = SYSCALL_NUMBERS[arch];
    assert.deepEqual([n.pidfd_send_signal, n.pidfd_open, n.process_mrelease], [424, 434, 448]);
  }
  assert.equal(syscallNumbers('mips'), undefined);
});
