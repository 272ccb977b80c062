// Can kill records be written to a journal path? Checked at start (and by check-config)
// without creating anything, so that a read-only path, a directory or a file standing
// where a parent directory should be is reported once, up front — not only as a
// `journal-failed` line at each kill, when the record is already lost.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** Why records could not be written to `path`, or undefined when they can. */
export function journalPathProblem(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return `${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`;
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (e) {
    const c = code(e);
    if (c === 'ENOTDIR') return `a parent of ${path} is a file, not a directory (ENOTDIR)`;
    if (c !== 'ENOENT') return `${path} is not writable (${c})`;
  }
  // Not there yet: the file and its directories are created at the first kill, inside
  // the nearest directory that exists, which must be writable.
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      if (!statSync(dir).isDirectory()) return `${dir} is a file, so ${path} cannot be created`;
      accessSync(dir, constants.W_OK);
      return undefined;
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT' && dirname(dir) !== dir) continue;
      if (c === 'ENOTDIR') return `a parent of ${path} is a file, not a directory (ENOTDIR)`;
      return `${path} cannot be created: ${dir} is not writable (${c})`;
    }
  }
}
