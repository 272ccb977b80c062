// `reapd install` / `reapd uninstall`: the systemd units (reapd, and reapd-notify for user
// sessions), /etc/reapd/reapd.toml (never over an edited one), the D-Bus policy and the man
// pages, for an `npm install -g reapd` (docs/install.md).
import type { Command } from 'commander';
import { install, uninstall, type Step } from '../../install/files.js';
import { CliError, EXIT } from '../exit-codes.js';

function print(steps: Step[], dryRun: boolean): void {
  for (const s of steps) process.stdout.write(`${dryRun ? '(dry run) ' : ''}${s.action} ${s.path}${s.why ? ` (${s.why})` : ''}\n`);
}

function guard(fn: () => Step[]): Step[] {
  try {
    return fn();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') throw new CliError(`${err.message} (run as root, or give --root a directory you can write)`, EXIT.PERMISSION);
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('install')
    .description('Install the systemd units (the daemon, and reapd notify for user sessions), the D-Bus policy, the default configuration (never over an edited one) and the man pages')
    .option('--root <dir>', 'install under this directory instead of / (packaging, tests)', '/')
    .option('--dry-run', 'say what would be written, write nothing')
    .action((opts: { root: string; dryRun?: boolean }) => {
      print(guard(() => install(opts.root, opts.dryRun === true)), opts.dryRun === true);
      if (opts.root === '/' && !opts.dryRun) {
        process.stdout.write('next: systemctl daemon-reload && systemctl enable --now reapd\n');
        process.stdout.write('desktop notifications, as each user: systemctl --user enable --now reapd-notify\n');
      }
    });
  program
    .command('uninstall')
    .description('Remove what `reapd install` put in place (an edited configuration stays unless --purge)')
    .option('--root <dir>', 'the directory given to install', '/')
    .option('--purge', 'also remove /etc/reapd/reapd.toml when it was edited')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .action((opts: { root: string; purge?: boolean; dryRun?: boolean }) => {
      if (opts.root === '/' && !opts.dryRun) process.stdout.write('first: systemctl disable --now reapd\n');
      print(guard(() => uninstall(opts.root, opts.purge === true, opts.dryRun === true)), opts.dryRun === true);
    });
}
