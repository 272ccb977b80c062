// Readers of /proc and cgroupfs, with injectable roots.
export * from './scanner.js';
export * from './memory.js';
export * from './cgroup-domain.js';
export * from './limits.js';
export * from './errors.js';
export * from './hold-back.js';
