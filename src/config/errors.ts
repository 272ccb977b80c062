// Configuration errors: every problem found is collected (never only the first), each
// with the key it concerns and the line of the file it comes from, so a user fixes a
// bad file in one pass. The CLI exits with EXIT.CONFIG (3) when any is present.
import { EXIT } from '../model/exit-codes.js';

export interface ConfigIssue {
  /** Dotted key path as a user would write it: "domain[2].minfree", "daemon.log_format". */
  key: string;
  /** 1-based line in the file, when the key (or the syntax error) has one. */
  line?: number;
  /** 1-based column, for syntax errors. */
  column?: number;
  /** Where the value came from when it was not the file: "--minfree". */
  flag?: string;
  message: string;
}

/** One issue as a line: `FILE:LINE: KEY: message` (or `--flag: message`). */
export function formatIssue(issue: ConfigIssue, file: string): string {
  if (issue.flag !== undefined) return `${issue.flag}: ${issue.message}`;
  const where = issue.line !== undefined ? `${file}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : file;
  return issue.key ? `${where}: ${issue.key}: ${issue.message}` : `${where}: ${issue.message}`;
}

export function formatIssues(issues: readonly ConfigIssue[], file: string): string {
  return issues.map((i) => formatIssue(i, file)).join('\n');
}

/** A configuration that cannot be used. Carries every issue; the CLI exits with its exitCode. */
export class ConfigError extends Error {
  readonly exitCode = EXIT.CONFIG;

  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly file: string,
  ) {
    super(`invalid configuration (${issues.length} error${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues, file)}`);
    this.name = 'ConfigError';
  }
}
