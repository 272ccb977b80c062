// The only module that loads koffi (eslint enforces it). Everything else declares
// libc functions through `libc()` and turns errno into coded errors through
// `check()`/`checkBig()`.
//
// koffi facts that shape this file (shared/spec/kernel-interfaces.md §0.1):
// - pointers are BigInt in koffi 3; structs are passed as Buffers laid out by hand;
// - variadic functions (`syscall`) have no `.async`, so a fixed-prototype alias is
//   declared for asynchronous use;
// - `koffi.errno()` after a call (or inside an `.async` callback) is that call's errno.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { SyscallError } from './errors.js';

const require = createRequire(import.meta.url);
// koffi ships a CommonJS entry point; loading it through require keeps ESM happy.
const koffi = require('koffi') as KoffiModule;

/** The subset of koffi's API reapd uses. */
export interface KoffiFunction {
  (...args: unknown[]): unknown;
  async?: (...args: unknown[]) => void;
}
interface KoffiLib {
  func(signature: string): KoffiFunction;
  func(name: string, result: string, params: string[]): KoffiFunction;
}
interface KoffiModule {
  load(path: string): KoffiLib;
  errno(value?: number): number;
  address(value: unknown): bigint;
  version: string;
}

let lib: KoffiLib | undefined;

/** glibc, loaded once per thread (a worker thread gets its own binding). */
function libc(): KoffiLib {
  lib ??= koffi.load('libc.so.6');
  return lib;
}

/** Declare a libc function, or undefined where this libc lacks the symbol (older glibc, musl). */
export function optionalFunc(signature: string): KoffiFunction | undefined {
  try {
    return libc().func(signature);
  } catch {
    return undefined;
  }
}

export function func(signature: string): KoffiFunction {
  return libc().func(signature);
}

/** errno of the last foreign call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

export const koffiVersion: string = koffi.version;

/**
 * Address of a Buffer's (or typed array's) memory, for pointers stored inside structs laid
 * out by hand (msghdr -> iovec -> payload). Node never moves an ArrayBuffer's backing store,
 * so the address stays valid for as long as the Buffer is referenced; the caller must keep
 * it referenced while the kernel may use the address.
 */
export function bufferAddress(buf: Uint8Array): bigint {
  return koffi.address(buf);
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** Symbolic name of an errno value ("ESRCH"), or "E<number>" when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export function errnoValue(name: keyof typeof osConstants.errno): number {
  return osConstants.errno[name];
}

/** Throw a SyscallError when a libc call returned -1; otherwise return the result. */
export function check(syscall: string, result: number, errno?: number): number {
  if (result === -1) {
    const e = errno ?? koffi.errno();
    throw new SyscallError(syscall, e, errnoName(e));
  }
  return result;
}

/** Same as `check` for calls declared to return `long` (koffi gives a number or bigint). */
export function checkLong(syscall: string, result: unknown, errno?: number): number {
  const n = typeof result === 'bigint' ? Number(result) : (result as number);
  return check(syscall, n, errno);
}
