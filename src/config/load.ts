// Loading a configuration: the file named by --config (or the embedded default,
// config/default.toml, shipped in the package next to dist/), then flags on top. Every
// problem is collected; loadConfig throws one ConfigError naming them all (exit code 3).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigIssue } from './errors.js';
import { applyFlags, type ConfigFlags } from './flags.js';
import { parseToml } from './toml.js';
import type { Config } from './types.js';
import { validateConfig } from './validate.js';
import { MAX_CONFIG_BYTES } from './limits.js';
import { cgroupDirProblem } from './paths.js';

/** dist/src/config/load.js -> <package>/config/default.toml (package.json "files" ships it). */
export const EMBEDDED_DEFAULT_PATH = fileURLToPath(new URL('../../../config/default.toml', import.meta.url));
const EMBEDDED_DEFAULT_LABEL = '(embedded default)';

export interface LoadResult {
  config?: Config;
  issues: ConfigIssue[];
  /** The name issues are reported against. */
  file: string;
  /** Syntax errors hid part of the file; semantic checks were skipped. */
  partial: boolean;
}

/** Validate TOML text with flags applied; never throws for bad input. */
/** What loading checks beyond the text: the real filesystem for cgroup paths (checkConfigFile does). */
interface LoadChecks {
  cgroupProblem?: (path: string) => string | undefined;
}

export function checkConfigText(text: string, file: string, flags: ConfigFlags = {}, checks: LoadChecks = {}): LoadResult {
  const parsed = parseToml(text);
  if (parsed.syntaxErrors.length > 0 && parsed.headerLost) {
    return { issues: parsed.syntaxErrors, file, partial: true };
  }
  const { table, fromFlags } = applyFlags(parsed.table, flags);
  const { config, issues } = validateConfig(table, text, file, { fromFlags, ...checks });
  const all = [...parsed.syntaxErrors, ...issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  if (all.length > 0) return { issues: all, file, partial: false };
  return { config, issues: [], file, partial: false };
}

/**
 * A regular file of at most MAX_CONFIG_BYTES, as text. Throws an Error whose message says
 * why otherwise: /dev/zero would be read forever, a 10 MB file costs the daemon its heap.
 */
function readBounded(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new Error(`${st.size} bytes; a configuration file may be at most ${MAX_CONFIG_BYTES / 1024} KiB`);
    // One byte more than the limit: a file that grew since fstat is refused too.
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_CONFIG_BYTES) throw new Error(`more than ${MAX_CONFIG_BYTES / 1024} KiB; a configuration file may be at most that`);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** Read and check a file (or the embedded default when path is undefined). */
export function checkConfigFile(path: string | undefined, flags: ConfigFlags = {}, checks: LoadChecks = { cgroupProblem: cgroupDirProblem }): LoadResult {
  const file = path ?? EMBEDDED_DEFAULT_LABEL;
  let text: string;
  try {
    text = readBounded(path ?? EMBEDDED_DEFAULT_PATH);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    const what = path === undefined ? `the embedded default ${EMBEDDED_DEFAULT_PATH} is missing (${code}): reinstall reapd` : `cannot read the file (${code})`;
    return { issues: [{ key: '', message: what }], file, partial: false };
  }
  const result = checkConfigText(text, file, flags, checks);
  if (result.config) result.config.file = file;
  return result;
}

/** The configuration to run on, or a ConfigError naming every problem. */
export function loadConfig(path: string | undefined, flags: ConfigFlags = {}, checks?: LoadChecks): Config {
  const result = checkConfigFile(path, flags, checks);
  if (!result.config) throw new ConfigError(result.issues, result.file);
  return result.config;
}
