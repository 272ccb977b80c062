export * from './snapshot.js';
export * from './units.js';
export * from './decision.js';
export * from './kill-record.js';
export * from './limits.js';
export * from './memory-view.js';
export * from './log-level.js';
export * from './exit-codes.js';
