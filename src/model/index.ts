export * from './snapshot.js';
export * from './units.js';
export * from './decision.js';
export * from './kill-record.js';
