// The kernel access layer's system calls. Only ./ffi.ts loads koffi.
export * from './errors.js';
export * from './process.js';
export * from './io.js';
export * from './sched.js';
export * from './mem.js';
export { syscallNumbers, SYSCALL_NUMBERS } from './numbers.js';
export { koffiVersion } from './ffi.js';
export * from './xattr.js';
