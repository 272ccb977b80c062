// Builds and runs the C scanners (cscan.c, sleepers.c) with the machine's cc.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CScanResult {
  mode: 'naive' | 'cached';
  procs: number[];
  us: number[];
  bytes: number;
  heldFds: number;
}

/** Compile bench/scan/NAME.c once per source version; undefined when cc is missing or fails. */
export function buildC(repoRoot: string, name: string): string | undefined {
  const src = join(repoRoot, 'bench', 'scan', `${name}.c`);
  const hash = createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `reapd-bench-${name}-${hash}`);
  if (existsSync(out)) return out;
  try {
    execFileSync('cc', ['-O2', '-o', out, src], { stdio: 'ignore' });
    return out;
  } catch {
    return undefined;
  }
}

export function runCScan(binary: string, mode: 'naive' | 'cached', scans: number, files: readonly string[]): CScanResult {
  const out = execFileSync(binary, [mode, String(scans), files.join(',')], { encoding: 'utf8', timeout: 600_000 });
  return JSON.parse(out) as CScanResult;
}
