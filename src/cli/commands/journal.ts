import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';

// Placeholder until its issue lands: says so instead of pretending to work.
export function register(program: Command): void {
  program
    .command('journal')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('reapd journal is not implemented yet', EXIT.FAILURE);
    });
}
