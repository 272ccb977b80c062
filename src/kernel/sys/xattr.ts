// Extended attributes: getxattr(2)/setxattr(2). Node has no xattr API; systemd-oomd users
// mark cgroups with user.oomd_avoid / user.oomd_omit (ManagedOOMPreference=), which
// kernfs keeps as user xattrs on the cgroup directory (Linux >= 5.7).
import { checkLong, func, lastErrno, type KoffiFunction } from './ffi.js';
import { SyscallError } from './errors.js';
import { errnoName } from './ffi.js';

interface XattrFns {
  getxattr: KoffiFunction;
  setxattr: KoffiFunction;
}

let fns: XattrFns | undefined;

function b(): XattrFns {
  fns ??= {
    getxattr: func('long getxattr(const char *path, const char *name, void *value, unsigned long size)'),
    setxattr: func('int setxattr(const char *path, const char *name, const void *value, unsigned long size, int flags)'),
  };
  return fns;
}

/** systemd's values are short ("1"); 256 bytes is plenty and a longer value is ERANGE. */
const MAX_VALUE = 256;
const scratch = Buffer.alloc(MAX_VALUE);

/**
 * The attribute's value, or undefined when the file has no such attribute (ENODATA) or
 * its filesystem keeps none (EOPNOTSUPP: cgroup v1, kernels before 5.7). Other errors throw.
 */
export function getxattr(path: string, name: string): string | undefined {
  const n = b().getxattr(path, name, scratch, MAX_VALUE);
  const len = typeof n === 'bigint' ? Number(n) : (n as number);
  if (len === -1) {
    const errno = lastErrno();
    const code = errnoName(errno);
    if (code === 'ENODATA' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') return undefined;
    throw new SyscallError('getxattr', errno, code);
  }
  return scratch.toString('utf8', 0, len);
}

/** Set an attribute (tests mark scopes the way systemd does). */
export function setxattr(path: string, name: string, value: string): void {
  const buf = Buffer.from(value);
  checkLong('setxattr', b().setxattr(path, name, buf, buf.length, 0));
}
