// sysconf(3) values the kernel layer needs: the page size (statm and zoneinfo count
// pages) and USER_HZ (stat's starttime is in these ticks). glibc's _SC_* numbers are
// the same on every Linux architecture (bits/confname.h).
import { func, type KoffiFunction } from './ffi.js';

const _SC_CLK_TCK = 2;
const _SC_PAGESIZE = 30;

let sysconfFn: KoffiFunction | undefined;

/** sysconf(name); -1 when the value is indeterminate or the name unknown. */
function sysconf(name: number): number {
  sysconfFn ??= func('long sysconf(int name)');
  const v = sysconfFn(name);
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

let pageSize: number | undefined;

/** Bytes per page (4096 on x86_64; 16 KiB or 64 KiB on some arm64 kernels). */
export function pageSizeBytes(): number {
  pageSize ??= sysconf(_SC_PAGESIZE);
  return pageSize > 0 ? pageSize : 4096;
}

/** Clock ticks per second for /proc times (USER_HZ, 100 on every mainstream kernel). */
export function clockTicksPerSecond(): number {
  const v = sysconf(_SC_CLK_TCK);
  return v > 0 ? v : 100;
}
