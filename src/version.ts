import { readFileSync } from 'node:fs';

/** The package version, read from package.json next to dist/ (for --version, the start log line, the man pages). */
export function readPackageVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
