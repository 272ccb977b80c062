// Markdown (the subset docs/ is written in) to man(7) roff, so that reapd(8) and
// reapd.toml(5) are generated from docs/cli.md and docs/configuration.md and cannot drift
// from them. Pure: text in, text out.
//
// The subset: `#`/`##`/`###` headings, paragraphs, fenced code blocks, `- ` lists, pipe
// tables, and inline `code`, **bold**, *emphasis*, [text](link). Tables become tagged
// paragraphs (.TP): the first cell is the tag, the middle cells are "header: value", the
// last cell is the text. A five-column table does not fit an 80-column terminal as a
// grid; as a list it reads like every other man page's OPTIONS section.

export interface ManPage {
  /** e.g. "reapd" */
  name: string;
  /** 8 for the daemon, 5 for the file format */
  section: number;
  /** the one-line NAME description */
  summary: string;
  /** the centre footer, e.g. "reapd 0.1.0" */
  source: string;
  /** the markdown body; its first "# " heading is dropped (NAME replaces it) */
  markdown: string;
}

/**
 * Escapes text for roff: backslashes, hyphens (so options copy-paste), and every
 * non-ASCII character as a \[uXXXX] glyph (groff without preconv reads bytes, and warns
 * "invalid input character code 128" on UTF-8 such as the dash in "—").
 */
export function escapeRoff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\p{ASCII}]/gu, (ch) => `\\[u${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** Inline markup to roff font changes. Code spans are escaped as a whole, first. */
export function inlineToRoff(text: string): string {
  // Links first: their text may hold a code span ([`run`](#reapd-run)).
  const parts = text.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length >= 2) {
        return `\\fB${escapeRoff(part.slice(1, -1))}\\fR`;
      }
      return escapeRoff(part)
        .replace(/\*\*([^*]+)\*\*/g, '\\fB$1\\fR')
        .replace(/\*([^*\s][^*]*)\*/g, '\\fI$1\\fR');
    })
    .join('');
}

/** A roff text line must not start with a control character ('.' or '\''). */
function textLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

function splitRow(line: string): string[] {
  // Markdown escapes a pipe inside a cell as \|.
  const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
  return cells.map((c) => c.trim().replace(/\\\|/g, '|'));
}

function tableToRoff(rows: string[]): string[] {
  const header = splitRow(rows[0] ?? '');
  const out: string[] = [];
  for (const row of rows.slice(2)) {
    const cells = splitRow(row);
    out.push('.TP', textLine(inlineToRoff(cells[0] ?? '')));
    const middle = cells.slice(1, -1).map((cell, i) => `${header[i + 1] ?? ''}: ${cell}`);
    const last = cells.length > 1 ? [cells[cells.length - 1] ?? ''] : [];
    const body = [...middle, ...last].filter((c) => c.trim() !== '' && !/^[^:]*:\s*$/.test(c));
    for (const [i, part] of body.entries()) {
      if (i > 0) out.push('.br');
      out.push(textLine(inlineToRoff(part)));
    }
  }
  return out;
}

function headingToRoff(level: number, text: string): string {
  // Upper-case before escaping: \[u2014] must keep its lower-case 'u'.
  const plain = (t: string): string => inlineToRoff(t).replace(/\\f[BIR]/g, '').replace(/"/g, '');
  return level <= 2 ? `.SH "${plain(text.toUpperCase())}"` : `.SS "${plain(text)}"`;
}

/** Converts the markdown body to roff lines (no .TH, no NAME). */
export function markdownToRoff(markdown: string): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let droppedTitle = false;
  let paragraph = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.startsWith('```')) {
      const block: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) block.push(lines[i] ?? '');
      out.push('.PP', '.RS 4', '.nf', ...block.map((l) => textLine(escapeRoff(l))), '.fi', '.RE');
      paragraph = false;
    } else if (heading) {
      const level = heading[1]?.length ?? 1;
      if (level === 1 && !droppedTitle) {
        // The title becomes NAME; text before the first section is the DESCRIPTION.
        droppedTitle = true;
        out.push('.SH DESCRIPTION');
        continue;
      }
      out.push(headingToRoff(level, heading[2] ?? ''));
      paragraph = false;
    } else if (line.trim().startsWith('|')) {
      const rows: string[] = [];
      for (; i < lines.length && (lines[i] ?? '').trim().startsWith('|'); i++) rows.push(lines[i] ?? '');
      i--;
      out.push(...tableToRoff(rows));
      paragraph = false;
    } else if (/^\s*[-*]\s+/.test(line)) {
      out.push('.IP \\(bu 2', textLine(inlineToRoff(line.replace(/^\s*[-*]\s+/, ''))));
      paragraph = true;
    } else if (line.trim() === '') {
      paragraph = false;
    } else {
      if (!paragraph) out.push('.PP');
      out.push(textLine(inlineToRoff(line.trim())));
      paragraph = true;
    }
  }
  return out.join('\n');
}

/** The whole page: .TH, NAME, then the converted body. */
export function renderManPage(page: ManPage): string {
  const title = page.name.toUpperCase();
  return [
    `.\\" Generated from docs/ by src/manpage; edit the markdown, not this file.`,
    `.TH "${title}" "${page.section}" "" "${page.source}" "reapd manual"`,
    '.SH NAME',
    `${escapeRoff(page.name)} \\- ${escapeRoff(page.summary)}`,
    markdownToRoff(page.markdown),
    '',
  ].join('\n');
}
