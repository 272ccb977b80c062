// The policy layer: pure (snapshot, state, params, ctx) -> decision functions.
export * from './types.js';
export * from './errors.js';
export * from './registry.js';
export * from './params.js';
export * from './protection.js';
export { inDomain, domainCgroupPath } from './domain.js';
export * from './table.js';
export * from './simple-lmk.js';
export * from './lowmemorykiller.js';
export * from './lmkd.js';
export * from './oom-score.js';
export * from './scope/index.js';
