// Documented exit codes (docs/cli.md). Like earlyoom, each failure class has its own
// number so scripts and service managers can tell them apart.
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

/** An error that carries the exit code the CLI should end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
