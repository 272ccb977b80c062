// Reading an input file (snapshot, trace, scenario, journal) for the CLI: a regular file or
// a pipe, at most MAX_INPUT_BYTES, read in bounded chunks. /dev/zero (or a directory) as an
// input is refused at once instead of being read until memory runs out, and an oversized
// file is one EXIT.INPUT error (docs/cli.md) instead of a crash in the string limit.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes.js';

/** 256 MiB: a 300,000-process snapshot is ~90 MB; Node's string limit is ~512 MiB. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

const CHUNK = 1024 * 1024;

/** The text of `path` ("-": standard input). Throws CliError(EXIT.INPUT) with one line otherwise. */
export function readInputText(path: string, what: string, maxBytes = MAX_INPUT_BYTES): string {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.INPUT);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isFIFO() && !st.isSocket()) {
      throw new CliError(`cannot read ${what} ${path}: not a regular file or a pipe`, EXIT.INPUT);
    }
    if (st.isFile() && st.size > maxBytes) throw new CliError(`${what} ${path} is ${st.size} bytes; inputs may be at most ${maxBytes / 1024 / 1024} MiB`, EXIT.INPUT);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new CliError(`${what} ${path} is more than ${maxBytes / 1024 / 1024} MiB; inputs may be at most that`, EXIT.INPUT);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.INPUT);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
