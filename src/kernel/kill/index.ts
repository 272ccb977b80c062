// The kill path: pidfd kills with identity checks, victim boost, process_mrelease
// reaping on a dedicated thread (docs/kill-path.md).
export { KernelKiller, type BatchReport } from './main-thread-killer.js';
export { realKillSys, type KillSys } from './kill-sys.js';
export { DEFAULT_CORE_CONFIG, type KernelKillerOptions, type ReapRetry } from './types.js';
export { parseFreezerPath, parseFreezerMount } from './proc.js';
export { threadNowMs } from '../clock.js';
