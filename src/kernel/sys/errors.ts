/** A failed system call, carrying errno both as a number and as its symbolic name. */
export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, code: string, detail?: string) {
    super(`${syscall}: ${code} (errno ${errno})${detail ? `: ${detail}` : ''}`);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}

export function isSyscallError(e: unknown, ...codes: string[]): e is SyscallError {
  return e instanceof SyscallError && (codes.length === 0 || codes.includes(e.code));
}

/** Node's own fs errors carry `code` too; this accepts either kind. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

