// A fake procRoot built from the captured fixtures: /<pid>/{stat,statm,…} for every
// fixture process, plus meminfo and zoneinfo. Regular files behave like held /proc fds
// for pread at offset 0, so the scanner's cache is exercised too.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../../helpers/paths.js';

const PROC = join(FIXTURES, 'proc');

export interface FakeProc {
  root: string;
  /** kind (fixture directory name) → pid */
  pids: Map<string, number>;
  dir(kind: string): string;
  write(kind: string, file: string, text: string): void;
  remove(): void;
}

export function makeFakeProc(): FakeProc {
  const root = mkdtempSync(join(tmpdir(), 'reapd-fakeproc-'));
  const pids = new Map<string, number>();
  for (const kind of readdirSync(PROC)) {
    const src = join(PROC, kind);
    if (!existsSync(join(src, 'stat'))) continue;
    const pid = Number(readFileSync(join(src, 'pid'), 'utf8'));
    pids.set(kind, pid);
    cpSync(src, join(root, String(pid)), { recursive: true });
  }
  cpSync(join(PROC, 'meminfo'), join(root, 'meminfo'));
  cpSync(join(PROC, 'zoneinfo'), join(root, 'zoneinfo'));
  const dir = (kind: string): string => join(root, String(pids.get(kind)));
  return {
    root,
    pids,
    dir,
    write: (kind, file, text) => writeFileSync(join(dir(kind), file), text),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function fixture(kind: string, file: string): string {
  return readFileSync(join(PROC, kind, file), 'utf8');
}

/** Fds this process holds (to check that a scanner releases its cache). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}
