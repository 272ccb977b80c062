// Pure parsers: kernel text (or bytes) in, a record or undefined out; they never throw.
export * from './stat.js';
export * from './statm.js';
export * from './status.js';
export * from './oom.js';
export * from './cgroup.js';
export * from './meminfo.js';
export * from './zoneinfo.js';
export * from './memcg.js';
export * from './mountinfo.js';
export * from './vmstat.js';
export * from './zram.js';
export * from './self-memory.js';
