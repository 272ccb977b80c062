// execve(2) for re-executing the daemon under different Node flags in the same process
// (same pid, so a service manager keeps tracking it; no wrapper process left resident).
// Node marks its stdio descriptors close-on-exec, so they are cleared first — otherwise
// the new image starts without stdin/stdout/stderr (measured: fds 0-2 were gone).
import { check, func, type KoffiFunction } from './ffi.js';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

let execveFn: KoffiFunction | undefined;
let fcntlFn: KoffiFunction | undefined;

/** Clear FD_CLOEXEC on fd so it survives execve. */
function keepOpenAcrossExec(fd: number): void {
  fcntlFn ??= func('int fcntl(int fd, int cmd, int arg)');
  const flags = check('fcntl', fcntlFn(fd, F_GETFD, 0) as number);
  if (flags & FD_CLOEXEC) check('fcntl', fcntlFn(fd, F_SETFD, flags & ~FD_CLOEXEC) as number);
}

/**
 * Replace this process image: execve(path, argv, env). Keeps fds 0-2 open. Returns only
 * by throwing a SyscallError (ENOENT, EACCES, E2BIG …).
 */
export function execve(path: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): never {
  execveFn ??= func('int execve(const char *path, const char **argv, const char **envp)');
  for (const fd of [0, 1, 2]) {
    try {
      keepOpenAcrossExec(fd);
    } catch {
      /* not open: nothing to keep */
    }
  }
  const envp = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  check('execve', execveFn(path, [...argv, null], [...envp, null]) as number);
  throw new Error('execve returned without an error');
}
