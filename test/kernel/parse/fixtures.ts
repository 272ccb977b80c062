// Real kernel text captured by test/fixtures/proc/capture.sh (see its header for how
// each process was made hostile). Read as bytes and as UTF-8 text, as the scanner does.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../helpers/paths.js';

export const PROC_FIXTURES = join(FIXTURES, 'proc');

/** Process fixture directories: kind → /proc/PID-shaped directory. */
export function processKinds(): string[] {
  return readdirSync(PROC_FIXTURES).filter((d) => existsSync(join(PROC_FIXTURES, d, 'stat')));
}

export function fixtureBytes(...path: string[]): Buffer {
  return readFileSync(join(PROC_FIXTURES, ...path));
}

export function fixtureText(...path: string[]): string {
  return fixtureBytes(...path).toString('utf8');
}
