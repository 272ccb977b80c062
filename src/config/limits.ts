// Bounds on what a configuration may hold. A reload runs inside a daemon that must keep
// guarding, so nothing a file says may cost it unbounded memory or time: before these, a
// 2.2 MiB file of unknown keys aborted the daemon with "JavaScript heap out of memory",
// and a 1 MiB one stalled its main loop 4.7 s and logged 76 MB of errors.
// docs/configuration.md ("Limits") lists them for people.

/** The largest configuration file read, bytes. A real one is a few KiB (config/default.toml: ~1 KiB). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** Protect/prefer/avoid matchers in one file ([rules] and every [[domain]] together). Each is matched against every candidate at every decision. */
export const MAX_RULES = 256;

/** Errors collected with key and line; the rest are counted in one closing line. */
export const MAX_ISSUES = 50;
