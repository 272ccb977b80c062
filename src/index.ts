// Library entry point: the model, the policies and the engine, for tools that embed reapd.
export * from './model/snapshot.js';
export * from './model/units.js';
export * from './model/decision.js';
export * from './model/kill-record.js';
export * from './model/limits.js';
export * from './model/memory-view.js';
export * from './model/log-level.js';
export * from './model/exit-codes.js';
export * from './policy/types.js';
export * from './engine/ports.js';
export * from './engine/reclaim.js';
export * from './engine/record.js';
