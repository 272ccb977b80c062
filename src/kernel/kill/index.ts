// The kill path: pidfd kills with identity checks, victim boost, process_mrelease
// reaping on a dedicated thread (docs/kill-path.md).
export { KernelKiller } from './main-thread-killer.js';
export type { KernelKillerOptions } from './types.js';
