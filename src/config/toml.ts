// TOML text -> plain table, collecting every syntax error. smol-toml stops at the first
// error; to name the others too we blank the offending line and parse again (at most
// MAX_SYNTAX_ERRORS times). A blanked table header would move the keys below it into
// the wrong table, so in that case the caller skips semantic checks (they would mislead).
import { parse, TomlError, type TomlTableWithoutBigInt } from 'smol-toml';
import type { ConfigIssue } from './errors.js';

const MAX_SYNTAX_ERRORS = 20;

interface ParsedToml {
  /** The table (from the text with bad lines blanked when there were syntax errors). */
  table: TomlTableWithoutBigInt;
  syntaxErrors: ConfigIssue[];
  /** A blanked line was a table header: what follows it cannot be validated reliably. */
  headerLost: boolean;
}

/** First line of smol-toml's message, without the code block it appends. */
function shortMessage(e: TomlError): string {
  const first = e.message.split('\n')[0] ?? e.message;
  return first.replace(/^Invalid TOML document:\s*/i, '');
}

export function parseToml(text: string): ParsedToml {
  const lines = text.split('\n');
  const syntaxErrors: ConfigIssue[] = [];
  let headerLost = false;
  for (let attempt = 0; attempt <= MAX_SYNTAX_ERRORS; attempt++) {
    try {
      const table = parse(lines.join('\n'), { unsafeKeyBehaviour: 'throw' });
      return { table, syntaxErrors, headerLost };
    } catch (e) {
      if (!(e instanceof TomlError)) throw e;
      const index = e.line - 1;
      const already = syntaxErrors.some((s) => s.line === e.line);
      if (!already) syntaxErrors.push({ key: '', line: e.line, column: e.column, message: `TOML syntax: ${shortMessage(e)}` });
      if (already || index < 0 || index >= lines.length) break;
      if (/^\s*\[/.test(lines[index] ?? '')) headerLost = true;
      lines[index] = '';
    }
  }
  return { table: {}, syntaxErrors, headerLost: true };
}
