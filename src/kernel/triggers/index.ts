// Pressure triggers: what tells the daemon to run a reclaim (docs/triggers.md).
export * from './types.js';
export { FdPoller } from '../fd-poller.js';
export * from './memory-events.js';
export * from './psi-arm.js';
export { PsiTrigger } from './psi-trigger.js';
export * from './memcg-event.js';
export * from './threshold-poller.js';
export * from './threshold-check.js';
export {
  parsePressure, readPressure, readPressureIfAllowed, pressureReadDelayMs, MIN_PRESSURE_READ_INTERVAL_MS,
} from './pressure-file.js';
