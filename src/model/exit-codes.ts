// The documented exit codes (docs/cli.md): the one table. Like earlyoom, each failure
// class has its own number so scripts and service managers can tell them apart. It sits
// in the model so that the configuration, the daemon and the CLI, which may not import
// one another upward, all name the same numbers.
export const EXIT = {
  OK: 0,
  /** Unexpected failure. */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The configuration file (or a flag) is invalid; every error is printed. */
  CONFIG: 3,
  /** A required kernel feature is missing (PSI, pidfd, cgroup path …). */
  UNSUPPORTED: 4,
  /** Not permitted (needs root or a capability). */
  PERMISSION: 5,
  /** An input file (snapshot, scenario, journal) could not be read or parsed. */
  INPUT: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
