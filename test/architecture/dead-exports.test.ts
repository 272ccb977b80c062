// No dead exports (issue 12): a symbol exported from a file under src/ is imported by some
// other file under src/, test/, bench/ or scripts/, or it is the package's public face
// (src/index.ts and src/control/client.ts, package.json "exports"). An export used only
// in its own file should drop its `export`; one used nowhere should go. Regexes over the
// sources, like layers.test.ts: re-exports (`export { A } from`, `export *`, an imported
// name exported again) are followed to the file that declares the symbol, so a barrel's
// forwarding does not count as a use, a use through the barrel does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

/** Files of the package's public face: everything they export (and re-export) is used. */
const PUBLIC = ['src/index.ts', 'src/control/client.ts'];

/**
 * Exports kept for outside users although nothing in the repository imports them, each with
 * its reason ("file#name"). Keep this short: everything else should lose its `export`.
 */
const ALLOWED: Record<string, string> = {};

/** What one file exports: its own declarations and the names it forwards from others. */
interface FileExports {
  /** Names declared here and exported. */
  readonly local: Set<string>;
  /** Exported name -> [source file, name there]. */
  readonly forwarded: Map<string, readonly [string, string]>;
  /** Files whose every export this file re-exports (`export * from`). */
  readonly stars: string[];
}

/** A use: another file imports `name` from `file` (by name, or `X.name` after `import * as X`). */
type Use = readonly [file: string, name: string];

const DECLARATION = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const\s+enum|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
const EXPORT_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}(?:\s+from\s+['"]([^'"]+)['"])?/gm;
const EXPORT_STAR = /^export\s+\*\s+(?:as\s+([\w$]+)\s+)?from\s+['"]([^'"]+)['"]/gm;
const IMPORT = /\bimport\s+(?:type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*\s+as\s+[\w$]+)|[\w$]+)\s+from\s+['"`]([^'"`]+)['"`]/g;
const DYNAMIC_IMPORT = /\{([^{}]*)\}\s*=\s*await\s+import\(\s*['"`]([^'"`]+)['"`]\s*\)/g;

/** `a, type b, c as d` -> [[a, a], [b, b], [c, d]] (the name there, the name here). */
function specifiers(list: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of list.split(',')) {
    const part = raw.replace(/\/\/.*$/gm, '').replace(/^\s*type\s+/, '').trim();
    if (part === '') continue;
    const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part.replace(/\s+/g, ' '));
    if (m) out.push([m[1] as string, (m[2] ?? m[1]) as string]);
  }
  return out;
}

/** `const { a, b: c } = await import(…)` -> [[a, a], [b, c]]. */
function destructured(list: string): Array<[string, string]> {
  return specifiers(list.replace(/([\w$]+)\s*:\s*([\w$]+)/g, '$1 as $2'));
}

/** The repository file a specifier names, or undefined (a package, node:*, a .json). */
function resolveSpec(from: string, spec: string, exists: (rel: string) => boolean): string | undefined {
  let rel: string;
  const dist = /(?:^|\/)dist\/((?:src|test|bench)\/.+)$/.exec(spec);
  if (dist) rel = dist[1] as string; // a child's script importing the compiled tree
  else if (spec.startsWith('.')) rel = normalize(join(dirname(from), spec));
  else return undefined;
  const ts = rel.replace(/\.js$/, '.ts');
  return exists(ts) ? ts : undefined;
}

/** The exports of one source file. */
function exportsOf(file: string, text: string, exists: (rel: string) => boolean): FileExports {
  const local = new Set<string>();
  const forwarded = new Map<string, readonly [string, string]>();
  const stars: string[] = [];
  const imported = new Map<string, readonly [string, string]>(); // name here -> [file, name there]
  for (const [clause, spec] of matches(IMPORT, text)) {
    const source = resolveSpec(file, spec, exists);
    const braces = /\{([^}]*)\}/.exec(clause);
    if (source && braces) for (const [there, here] of specifiers(braces[1] as string)) imported.set(here, [source, there]);
  }
  for (const m of text.matchAll(DECLARATION)) local.add(m[1] as string);
  for (const m of text.matchAll(EXPORT_LIST)) {
    const source = m[2] === undefined ? undefined : resolveSpec(file, m[2], exists);
    for (const [inner, outer] of specifiers(m[1] as string)) {
      if (source) forwarded.set(outer, [source, inner]);
      else if (m[2] !== undefined) continue; // re-exported from a package
      else if (imported.has(inner)) forwarded.set(outer, imported.get(inner) as readonly [string, string]);
      else local.add(outer);
    }
  }
  for (const m of text.matchAll(EXPORT_STAR)) {
    const source = resolveSpec(file, m[2] as string, exists);
    if (source && m[1] === undefined) stars.push(source);
  }
  return { local, forwarded, stars };
}

function matches(re: RegExp, text: string): Array<[string, string]> {
  return [...text.matchAll(re)].map((m) => [m[1] as string, m[2] as string]);
}

/** Every (file, name) another file imports. */
function usesIn(file: string, text: string, exists: (rel: string) => boolean): Use[] {
  const out: Use[] = [];
  for (const [clause, spec] of matches(IMPORT, text)) {
    const source = resolveSpec(file, spec, exists);
    if (!source || source === file) continue;
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) for (const [there] of specifiers(braces[1] as string)) out.push([source, there]);
    const ns = /\*\s+as\s+([\w$]+)/.exec(clause);
    if (ns) for (const m of text.matchAll(new RegExp(`\\b${(ns[1] as string).replace(/\$/g, '\\$')}\\.([\\w$]+)`, 'g'))) out.push([source, m[1] as string]);
  }
  for (const [list, spec] of matches(DYNAMIC_IMPORT, text)) {
    const source = resolveSpec(file, spec, exists);
    if (source && source !== file) for (const [there] of destructured(list)) out.push([source, there]);
  }
  return out;
}

/**
 * The exports under src/ that nothing uses, as "file#name". `files` maps a path relative to
 * the repository root to its text; files under src/ are checked, all of them are readers.
 */
function deadExports(files: ReadonlyMap<string, string>, publicFiles: readonly string[]): string[] {
  const exists = (rel: string): boolean => files.has(rel);
  const table = new Map<string, FileExports>();
  for (const [file, text] of files) if (file.startsWith('src/')) table.set(file, exportsOf(file, text, exists));
  const live = new Set<string>();
  // Marks `name` live where it is declared, and on every file that forwards it on the way.
  const mark = (file: string, name: string, seen = new Set<string>()): boolean => {
    const key = `${file}#${name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    const ex = table.get(file);
    if (!ex) return false;
    let found = false;
    if (ex.local.has(name)) found = true;
    const fwd = ex.forwarded.get(name);
    if (fwd) found = mark(fwd[0], fwd[1], seen) || true;
    if (!found) for (const star of ex.stars) found = mark(star, name, seen) || found;
    if (found) live.add(key);
    return found;
  };
  const allNames = (file: string, seen = new Set<string>()): string[] => {
    const ex = table.get(file);
    if (!ex || seen.has(file)) return [];
    seen.add(file);
    return [...ex.local, ...ex.forwarded.keys(), ...ex.stars.flatMap((s) => allNames(s, seen))];
  };
  for (const file of publicFiles) for (const name of allNames(file)) mark(file, name);
  for (const [file, text] of files) for (const [source, name] of usesIn(file, text, exists)) mark(source, name);
  const dead: string[] = [];
  for (const [file, ex] of table) {
    for (const name of [...ex.local, ...ex.forwarded.keys()]) {
      const key = `${file}#${name}`;
      if (!live.has(key) && !(key in ALLOWED)) dead.push(key);
    }
  }
  return dead.sort();
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|mjs|js)$/.test(p) && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

test('every export under src/ is imported by another file, or is the public face', () => {
  const files = new Map<string, string>();
  for (const room of ['src', 'test', 'bench', 'scripts']) {
    for (const p of walk(join(REPO_ROOT, room))) files.set(relative(REPO_ROOT, p), readFileSync(p, 'utf8'));
  }
  assert.ok([...files.keys()].filter((f) => f.startsWith('src/')).length > 100, 'found the sources');
  assert.deepEqual(deadExports(files, PUBLIC), []);
});

test('the allow-list names exports that exist', () => {
  for (const key of Object.keys(ALLOWED)) {
    const [file, name] = key.split('#') as [string, string];
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    assert.ok(new RegExp(`export[^\\n]*\\b${name}\\b`).test(text), `${key} is still exported`);
  }
});

test('the check can fail: an export no one imports is caught, uses through a barrel count', () => {
  const files = new Map<string, string>([
    ['src/a/x.ts', "export function used(): void {}\nexport const unused = 1;\nexport type ViaStar = number;\nexport interface Ns { n: number }\nconst inner = 2;\nexport { inner };\n"],
    ['src/a/y.ts', "export { used } from './x.js';\nexport * from './x.js';\nexport const dynamic = 3;\n"],
    ['src/b/z.ts', "import { used } from '../a/y.js';\nimport type { ViaStar } from '../a/y.js';\nimport * as x from '../a/x.js';\nconst n: x.Ns = { n: 1 };\nexport const z = used;\n"],
    ['src/index.ts', "export { z } from './b/z.js';\n"],
    ['test/t.ts', "const { dynamic } = await import('../src/a/y.js');\n"],
  ]);
  assert.deepEqual(deadExports(files, ['src/index.ts']), ['src/a/x.ts#inner', 'src/a/x.ts#unused']);
});
