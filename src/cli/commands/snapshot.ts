// `reapd snapshot [--memcg PATH] [--pretty]`: the live snapshot (format v1,
// docs/snapshot-format.md) on stdout: one line of JSON, or indented with --pretty.
import type { Command } from 'commander';
import { scanLiveSnapshot } from '../../kernel/source.js';
import { ProcfsError } from '../../kernel/procfs/errors.js';
import { serializeSnapshot } from '../../model/snapshot-io.js';
import { CliError, EXIT } from '../exit-codes.js';
import { requireCgroupDir } from '../memcg-flag.js';

export function register(program: Command): void {
  program
    .command('snapshot')
    .description('Write the live process snapshot (JSON, format v1) to stdout')
    .option('--memcg <path>', 'only this cgroup (a v1 memory directory or a cgroup2 directory) and its usage and limit')
    .option('--pretty', 'indent the JSON')
    .action(async (opts: { memcg?: string; pretty?: boolean }) => {
      requireCgroupDir(opts.memcg);
      let text: string;
      try {
        const snapshot = await scanLiveSnapshot(opts.memcg === undefined ? { stallAverage: true } : { memcg: opts.memcg, stallAverage: true });
        text = serializeSnapshot(snapshot);
      } catch (e) {
        if (e instanceof ProcfsError) {
          const code = e.code === 'REAPD_MEMCG_NOT_FOUND' ? EXIT.CONFIG : EXIT.UNSUPPORTED;
          throw new CliError(e.message, code);
        }
        throw e;
      }
      process.stdout.write(`${opts.pretty ? JSON.stringify(JSON.parse(text), null, 2) : text}\n`);
    });
}
