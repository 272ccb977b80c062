// mlock for the daemon's own file-backed mappings. Never mlockall: V8 aborts when it
// cannot MADV_DONTNEED locked heap pages (kernel-interfaces §5.1).
import { check, func, type KoffiFunction } from './ffi.js';

let mlockFn: KoffiFunction | undefined;
let munlockFn: KoffiFunction | undefined;

export function mlock(addr: bigint, lengthBytes: bigint): void {
  mlockFn ??= func('int mlock(uintptr_t addr, size_t len)');
  check('mlock', mlockFn(addr, lengthBytes) as number);
}

export function munlock(addr: bigint, lengthBytes: bigint): void {
  munlockFn ??= func('int munlock(uintptr_t addr, size_t len)');
  check('munlock', munlockFn(addr, lengthBytes) as number);
}
