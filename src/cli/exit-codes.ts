// The CLI's error that carries an exit code; the table itself is src/model/exit-codes.ts.
import type { ExitCode } from '../model/exit-codes.js';

export { EXIT } from '../model/exit-codes.js';

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
