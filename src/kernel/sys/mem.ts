// mlock for the daemon's own file-backed mappings. Never mlockall: V8 aborts when it
// cannot MADV_DONTNEED locked heap pages (kernel-interfaces §5.1).
// mlock2(MLOCK_ONFAULT) (Linux 4.4, glibc 2.27) locks only the pages that are touched:
// measured on a bare node + koffi process (issue 18), RssFile stayed at 38 MiB instead of
// the 92 MiB a plain mlock faults in, and the pages the warm-up touched are locked all the same.
import { check, func, optionalFunc, type KoffiFunction } from './ffi.js';
import { SyscallError } from './errors.js';

/** <linux/mman.h>: MLOCK_ONFAULT = 0x01. */
export const MLOCK_ONFAULT = 1;

let mlockFn: KoffiFunction | undefined;
let mlock2Fn: KoffiFunction | null | undefined;

export function mlock(addr: bigint, lengthBytes: bigint): void {
  mlockFn ??= func('int mlock(uintptr_t addr, size_t len)');
  check('mlock', mlockFn(addr, lengthBytes) as number);
}

/** mlock2(2); throws SyscallError ENOSYS when this libc has no wrapper. */
export function mlock2(addr: bigint, lengthBytes: bigint, flags: number): void {
  if (mlock2Fn === undefined) mlock2Fn = optionalFunc('int mlock2(uintptr_t addr, size_t len, unsigned int flags)') ?? null;
  if (mlock2Fn === null) throw new SyscallError('mlock2', 38, 'ENOSYS');
  check('mlock2', mlock2Fn(addr, lengthBytes, flags) as number);
}

