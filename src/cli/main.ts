#!/usr/bin/env node
// Composition root of the command line. Each command lives in commands/<name>.ts and
// registers itself; this file only wires them and maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { registerCommands } from './commands/register.js';
import { readPackageVersion } from '../version.js';

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  program
    .name('reapd')
    .description('A userspace low-memory killer: watches memory pressure, kills by priority and size, reaps with process_mrelease.')
    .version(readPackageVersion(), '-V, --version')
    .showHelpAfterError('(run reapd --help for usage)')
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv as string[], { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`reapd: ${message}\n`);
    const code = (e as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' ? code : EXIT.FAILURE;
  }
}

/**
 * Errors writing stdout/stderr as one line, never a stack trace. EPIPE means the reader
 * went away (`reapd journal | head`): not a failure of ours, exit 0 as cat(1) would ends
 * quietly. Anything else (ENOSPC: `reapd snapshot > /full/disk/file`) is EXIT.FAILURE.
 */
function guardOutput(stream: NodeJS.WriteStream, name: string): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    try {
      process.stderr.write(`reapd: cannot write ${name}: ${e.code ?? e.message}\n`);
    } finally {
      process.exit(EXIT.FAILURE);
    }
  });
}

guardOutput(process.stdout, 'standard output');
guardOutput(process.stderr, 'standard error');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`reapd: ${String(e)}\n`);
    process.exitCode = EXIT.FAILURE;
  },
);
