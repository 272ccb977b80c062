// Configuration: TOML schema, validation naming every bad key and its line, defaults and
// the embedded default file, command-line flags on top (docs/configuration.md).
export * from './types.js';
export * from './errors.js';
export { loadConfig, checkConfigFile, checkConfigText, EMBEDDED_DEFAULT_PATH, type LoadResult } from './load.js';
export type { ConfigFlags } from './flags.js';
export { describeConfig } from './summary.js';
export { DAEMON_DEFAULTS } from './schema.js';
export { MAX_CONFIG_BYTES, MAX_RULES } from './limits.js';
export { cgroupDirProblem } from './paths.js';
