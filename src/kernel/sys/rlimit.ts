// getrlimit/setrlimit for RLIMIT_NOFILE through prlimit64(2), whose struct rlimit64 is
// two u64 (cur, max) on every architecture. The scanner holds one fd per /proc file it
// caches; raising the hard limit needs CAP_SYS_RESOURCE (EPERM otherwise).
import { check, func, optionalFunc, type KoffiFunction } from './ffi.js';

/** RLIMIT_NOFILE on x86_64, arm, arm64 and riscv64 (asm-generic/resource.h). */
export const RLIMIT_NOFILE = 7;

interface RLimit {
  soft: bigint;
  hard: bigint;
}

let prlimit: KoffiFunction | undefined;

function fn(): KoffiFunction {
  prlimit ??= optionalFunc('int prlimit64(int pid, int resource, void *newlim, void *oldlim)') ?? func('int prlimit(int pid, int resource, void *newlim, void *oldlim)');
  return prlimit;
}

export function getRlimit(resource: number): RLimit {
  const old = Buffer.alloc(16);
  check('prlimit', fn()(0, resource, null, old) as number);
  return { soft: old.readBigUInt64LE(0), hard: old.readBigUInt64LE(8) };
}

/** Set both limits. Throws EPERM when raising the hard limit without CAP_SYS_RESOURCE. */
export function setRlimit(resource: number, limit: RLimit): void {
  const next = Buffer.alloc(16);
  next.writeBigUInt64LE(limit.soft, 0);
  next.writeBigUInt64LE(limit.hard, 8);
  check('prlimit', fn()(0, resource, next, null) as number);
}
