// Where a key sits in the TOML text, for semantic errors ("domain[2].minfree" -> line 14).
// smol-toml gives positions only for syntax errors, so this is a small line scanner that
// follows table headers ([a.b], [[domain]]) and key lines (`key = …`, `a.b = …`,
// `"quoted" = …`). It never throws; a key it cannot place has no line.

export type KeyPath = ReadonlyArray<string | number>;

const encode = (path: KeyPath): string => path.map(String).join('\u0000');

/** Splits `a.b."c.d"` into segments, honouring quotes. */
function splitDotted(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '.') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const HEADER_RE = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const KEY_RE = /^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/;

export class KeyLocator {
  private readonly lines = new Map<string, number>();

  constructor(source: string) {
    this.scan(source);
  }

  private scan(source: string): void {
    const arrayCounts = new Map<string, number>();
    let table: Array<string | number> = [];
    let inMultiline: string | undefined;
    let bracketDepth = 0;
    source.split('\n').forEach((raw, i) => {
      const lineNo = i + 1;
      if (inMultiline) {
        if (raw.includes(inMultiline)) inMultiline = undefined;
        return;
      }
      if (bracketDepth > 0) {
        bracketDepth = Math.max(0, bracketDepth + depthChange(raw));
        return;
      }
      const header = HEADER_RE.exec(raw);
      if (header) {
        table = this.resolveHeader(splitDotted(header[2] ?? ''), header[1] === '[[', arrayCounts);
        this.record(table, lineNo);
        return;
      }
      const key = KEY_RE.exec(raw);
      if (!key) return;
      this.record([...table, ...splitDotted(key[1] ?? '')], lineNo);
      const value = raw.slice(key[0].length);
      const triple = /("""|''')/.exec(value);
      if (triple && value.split(triple[1] ?? '').length === 2) inMultiline = triple[1];
      bracketDepth = Math.max(0, depthChange(value));
    });
  }

  private resolveHeader(segments: string[], isArray: boolean, counts: Map<string, number>): Array<string | number> {
    const path: Array<string | number> = [];
    segments.forEach((seg, i) => {
      path.push(seg);
      const key = encode(path);
      if (isArray && i === segments.length - 1) {
        const n = (counts.get(key) ?? -1) + 1;
        counts.set(key, n);
        path.push(n);
      } else if (counts.has(key)) {
        path.push(counts.get(key) ?? 0);
      }
    });
    return path;
  }

  private record(path: KeyPath, line: number): void {
    const key = encode(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
  }

  /** Line of the key, or of its closest enclosing key or table that has one. */
  lineOf(path: KeyPath): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(encode(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** Net change of [ ] nesting on a line, ignoring strings and comments (rough, by design). */
function depthChange(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') break;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
  }
  return depth;
}
