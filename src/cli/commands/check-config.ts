import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';

// Placeholder until its issue lands: says so instead of pretending to work.
export function register(program: Command): void {
  program
    .command('check-config')
    .description('(not yet implemented)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('reapd check-config is not implemented yet', EXIT.FAILURE);
    });
}
