// `reapd check-config [FILE] [flags]`: validate a configuration without running it. Prints
// every error as FILE:LINE: KEY: message on stderr and exits 3 (EXIT.CONFIG); when valid,
// prints a summary of what `reapd run` would do and exits 0.
import type { Command } from 'commander';
import { checkConfigFile } from '../../config/load.js';
import { describeConfig } from '../../config/summary.js';
import { formatIssues } from '../../config/errors.js';
import { CliError, EXIT } from '../exit-codes.js';
import { journalPathProblem } from '../../journal/probe.js';
import { plannedTriggers } from '../planned-triggers.js';
import { addConfigOptions, flagsFromOptions, type ConfigOptionValues } from './run.js';

export function register(program: Command): void {
  const cmd = program
    .command('check-config')
    .description('Check a configuration file (every error, with its key and line) and summarise it; exit 3 when invalid')
    .argument('[file]', 'TOML file to check (default: the embedded default configuration)');
  addConfigOptions(cmd, { withConfigFlag: false });
  cmd.action((file: string | undefined, opts: ConfigOptionValues) => {
    const result = checkConfigFile(file, flagsFromOptions(opts));
    if (!result.config) {
      process.stderr.write(`${formatIssues(result.issues, result.file)}\n`);
      if (result.partial) process.stderr.write(`${result.file}: fix the syntax errors above to see any further problems\n`);
      throw new CliError(`${result.file}: ${result.issues.length} error${result.issues.length === 1 ? '' : 's'}`, EXIT.CONFIG);
    }
    process.stdout.write(`${result.file}: valid\n${describeConfig(result.config, plannedTriggers).join('\n')}\n`);
    const journal = result.config.daemon.journal;
    const problem = journal === null ? undefined : journalPathProblem(journal);
    // A warning, not an error: run starts and kills all the same, but keeps no record.
    if (problem) process.stderr.write(`${result.file}: warning: kill journal: ${problem}; kills will not be recorded\n`);
  });
}
