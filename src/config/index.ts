// Configuration: TOML schema, validation naming every bad key and its line, defaults and
// the embedded default file, command-line flags on top (docs/configuration.md).
export * from './types.js';
export * from './errors.js';
export { loadConfig, checkConfigFile, checkConfigText, EMBEDDED_DEFAULT_PATH, EMBEDDED_DEFAULT_LABEL, type LoadResult } from './load.js';
export { applyFlags, type ConfigFlags } from './flags.js';
export { describeConfig, describeDomain } from './summary.js';
export { formatPath, DEFAULT_LMKD_SOCKET } from './validate.js';
export { DAEMON_DEFAULTS, KILL_DEFAULTS, TRIGGER_DEFAULTS, DEFAULT_POLICY, DAEMON_KEYS, KILL_KEYS, DOMAIN_KEYS, RULE_LISTS, MATCHER_KEYS } from './schema.js';
export { POLICY_KEY_NAMES, policyKeyTable, DEFAULT_RECLAIM_TIMEOUT_MS } from './policy-keys.js';
export { MAX_CONFIG_BYTES, MAX_RULES, MAX_ISSUES } from './limits.js';
export { cgroupDirProblem, normalizeCgroupPath } from './paths.js';
