// `reapd journal`: print the kill journal as a table, or its records as JSON lines.
import { systemClock } from '../../kernel/clock.js';
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { CliError, EXIT } from '../exit-codes.js';
import { DEFAULT_JOURNAL_PATH } from '../../journal/file-journal.js';
import { parseSince } from '../../journal/since.js';
import { readJournal, type JournalContents } from '../../journal/read.js';
import { wasKilled } from '../../journal/format.js';
import type { KillRecord } from '../../model/kill-record.js';

interface JournalFlags {
  path: string;
  json?: boolean;
  since?: string;
}

const COLUMNS = ['TIME', 'PID', 'NAME', 'ADJ', 'SIZE_MIB', 'ANON_MIB', 'POLICY', 'REASON', 'RESULT', 'REAP_MS', 'EXIT_MS'] as const;

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}

function result(r: KillRecord): string {
  if (r.dryRun) return 'dry-run';
  if (!wasKilled(r)) return r.error ?? 'not-killed';
  // Only the record written at the signal: reapd stopped before the victim's exit was recorded.
  if (r.stage === 'signalled') return `${r.reaped ? 'killed+reaped' : 'killed'}, exit not recorded`;
  if (r.error) return `killed, ${r.error}`;
  return r.reaped ? 'killed+reaped' : 'killed';
}

function row(r: KillRecord): string[] {
  return [
    r.time,
    String(r.pid),
    JSON.stringify(r.name).slice(1, -1),
    String(r.oomScoreAdj),
    mib(r.sizeKiB),
    mib(r.anonKiB),
    r.policy,
    r.reason,
    result(r),
    r.reapMs === null ? '-' : r.reapMs.toFixed(1),
    r.exitMs !== null ? r.exitMs.toFixed(1) : r.stage === 'signalled' ? '?' : '-',
  ];
}

function formatTable(records: readonly KillRecord[]): string {
  const rows = [[...COLUMNS], ...records.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function load(flags: JournalFlags): JournalContents | undefined {
  let since: Date | undefined;
  if (flags.since !== undefined) {
    since = parseSince(flags.since, systemClock.wallMs());
    if (!since) throw new CliError(`--since: '${flags.since}' is neither ISO 8601 nor a span like 30s, 10m, 2h, 1d`, EXIT.USAGE);
  }
  try {
    // /dev/zero would be read forever: a journal is a regular file.
    if (existsSync(flags.path) && !statSync(flags.path).isFile()) throw new CliError(`cannot read ${flags.path}: not a regular file`, EXIT.INPUT);
    return readJournal(flags.path, since ? { since } : {});
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(`cannot read ${flags.path}: ${code}`, EXIT.PERMISSION);
    throw new CliError(`cannot read ${flags.path}: ${e instanceof Error ? e.message : String(e)}`, EXIT.INPUT);
  }
}

export function register(program: Command): void {
  program
    .command('journal')
    .description('Print the kill journal: every kill with its reason, reap and exit times')
    .option('--path <file>', 'journal file', DEFAULT_JOURNAL_PATH)
    .option('--json', 'print the records as JSON lines')
    .option('--since <time>', 'only kills at or after TIME: ISO 8601, or a span back from now (30s, 10m, 2h, 1d, 1w)')
    .action((flags: JournalFlags) => {
      const contents = load(flags);
      if (!contents) {
        process.stderr.write(`reapd: no journal at ${flags.path} (nothing killed yet)\n`);
        return;
      }
      const { records, skipped } = contents;
      if (flags.json) {
        for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
      } else if (records.length > 0) process.stdout.write(`${formatTable(records)}\n`);
      else process.stderr.write('reapd: no kills in the journal for this selection\n');
      if (skipped > 0) process.stderr.write(`reapd: skipped ${skipped} unreadable line(s) (torn by a crash or invalid)\n`);
    });
}
