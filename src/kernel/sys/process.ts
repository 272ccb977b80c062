// pidfd_open, pidfd_send_signal, process_mrelease, kcmp: the kill path's syscalls.
// glibc >= 2.36 has wrappers for the first three; elsewhere we fall back to syscall(2)
// with the numbers in numbers.ts.
import { check, checkLong, func, optionalFunc, type KoffiFunction } from './ffi.js';
import { SyscallError } from './errors.js';
import { syscallNumbers } from './numbers.js';

export const SIGKILL = 9;
/** kcmp(2) type comparing address spaces. */
export const KCMP_VM = 1;

interface ProcessFns {
  pidfdOpen: (pid: number, flags: number) => number;
  pidfdSendSignal: (pidfd: number, sig: number, flags: number) => number;
  processMrelease: (pidfd: number, flags: number) => number;
  kcmp: (pid1: number, pid2: number, type: number) => number;
  gettid: () => number;
  getpid: () => number;
}

let fns: ProcessFns | undefined;

function enosys(name: string): never {
  throw new SyscallError(name, 38, 'ENOSYS', `no syscall number for ${process.arch}`);
}

function bind(): ProcessFns {
  const nr = syscallNumbers();
  // Variadic: synchronous only, which is what the kill path wants (§3.4: an async
  // hand-off of process_mrelease loses the race against the victim's own exit).
  const syscall = func('long syscall(long number, ...)');
  const viaSyscall = (name: keyof NonNullable<typeof nr>, ...args: number[]): number => {
    if (!nr) enosys(name);
    const pairs: unknown[] = [];
    for (const a of args) pairs.push('long', a);
    return checkLong(name, syscall(nr[name], ...pairs));
  };
  const wrap = (sig: string): KoffiFunction | undefined => optionalFunc(sig);
  const open = wrap('int pidfd_open(int pid, unsigned int flags)');
  const send = wrap('int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags)');
  const mrelease = wrap('int process_mrelease(int pidfd, unsigned int flags)');
  const gettid = wrap('int gettid()');
  const getpid = func('int getpid()');
  return {
    pidfdOpen: open
      ? (pid, flags) => check('pidfd_open', open(pid, flags) as number)
      : (pid, flags) => viaSyscall('pidfd_open', pid, flags),
    pidfdSendSignal: send
      ? (fd, sig, flags) => check('pidfd_send_signal', send(fd, sig, null, flags) as number)
      : (fd, sig, flags) => viaSyscall('pidfd_send_signal', fd, sig, 0, flags),
    processMrelease: mrelease
      ? (fd, flags) => check('process_mrelease', mrelease(fd, flags) as number)
      : (fd, flags) => viaSyscall('process_mrelease', fd, flags),
    kcmp: (pid1, pid2, type) => viaSyscall('kcmp', pid1, pid2, type, 0, 0),
    gettid: gettid ? () => gettid() as number : () => viaSyscall('gettid'),
    getpid: () => getpid() as number,
  };
}

function b(): ProcessFns {
  fns ??= bind();
  return fns;
}

/** pidfd_open(2). Throws SyscallError (ESRCH: no such process; ENOENT: not a thread-group leader). */
export function pidfdOpen(pid: number, flags = 0): number {
  return b().pidfdOpen(pid, flags);
}

/** pidfd_send_signal(2) with no siginfo. Throws ESRCH once the process has been reaped. */
export function pidfdSendSignal(pidfd: number, signal: number, flags = 0): void {
  b().pidfdSendSignal(pidfd, signal, flags);
}

/**
 * process_mrelease(2): free a dying process's memory from our context.
 * Throws EINVAL (not dying / shared mm), EAGAIN, EINTR, ESRCH (already gone), ENOSYS.
 */
export function processMrelease(pidfd: number, flags = 0): void {
  b().processMrelease(pidfd, flags);
}

/** kcmp(2): 0 when both processes share the resource, 1/2 for ordering, 3 when not comparable. */
export function kcmp(pid1: number, pid2: number, type: number): number {
  return b().kcmp(pid1, pid2, type);
}

export function gettid(): number {
  return b().gettid();
}

export function getpid(): number {
  return b().getpid();
}

