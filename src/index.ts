// Library entry point: the model, the policies and the engine, for tools that embed reapd.
export * from './model/index.js';
export * from './policy/types.js';
export * from './engine/ports.js';
export * from './engine/reclaim.js';
export * from './engine/record.js';
