// The shape of the house (docs/architecture.md), checked on the source: which room may
// import which, so the arrows point one way, and no index file inside a room. ESLint
// checks the finer rules (pure core: no node:*, no clock; only ffi.ts loads koffi;
// src/daemon imports no node:fs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');

/** Each room and the rooms it may import (its own files always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  model: [],
  policy: ['model'],
  engine: ['model', 'policy'],
  kernel: ['model', 'engine'],
  journal: ['model', 'engine'],
  config: ['model', 'policy'],
  sim: ['model', 'policy', 'engine', 'config'],
  control: ['model', 'policy', 'engine', 'kernel'],
  daemon: ['model', 'policy', 'engine', 'kernel', 'journal', 'config', 'control'],
  manpage: [],
  install: ['manpage'],
  notify: ['model', 'daemon'],
  cli: ['model', 'policy', 'engine', 'kernel', 'journal', 'config', 'control', 'sim', 'daemon', 'install', 'manpage', 'notify'],
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The room of a path under src/ ("src/kernel/procfs/x.ts" -> "kernel"); undefined at the top. */
function roomOf(path: string): string | undefined {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
function relativeImports(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] as string);
  return out;
}

test('the rooms of src/ import only the rooms below them (the arrows point one way)', () => {
  const broken: string[] = [];
  const files = sourceFiles(SRC);
  assert.ok(files.length > 100, `found the sources (${files.length} files)`);
  for (const file of files) {
    const from = roomOf(file);
    if (from === undefined) continue; // src/index.ts (the package's public face), src/version.ts (a leaf)
    const allowed = MAY_IMPORT[from];
    assert.ok(allowed, `src/${from}/ is a room the table knows (add it to MAY_IMPORT)`);
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const to = roomOf(normalize(join(dirname(file), spec)));
      if (to !== undefined && to !== from && !allowed.includes(to)) broken.push(`${relative(REPO_ROOT, file)} imports ${spec} (${from} -> ${to})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the table itself has no cycle', () => {
  const seen = new Set<string>();
  const visit = (room: string, path: string[]): void => {
    assert.ok(!path.includes(room), `cycle: ${[...path, room].join(' -> ')}`);
    if (seen.has(room)) return;
    for (const next of MAY_IMPORT[room] ?? []) visit(next, [...path, room]);
    seen.add(room);
  };
  for (const room of Object.keys(MAY_IMPORT)) visit(room, []);
});

test('src/daemon/ imports no node:fs (the daemon touches no Linux itself)', () => {
  const offenders = sourceFiles(join(SRC, 'daemon')).filter((f) => /from '(node:)?fs(\/promises)?'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => relative(REPO_ROOT, f)), []);
});

test('no index files inside the rooms: src/index.ts, the package\'s public face, is the only one', () => {
  // A room's index re-exported its files, but 9 of 10 imports went around it (issue 12):
  // a module imports the file that declares what it uses, so one name has one path.
  const indexes = sourceFiles(SRC).filter((f) => f.endsWith('/index.ts')).map((f) => relative(REPO_ROOT, f));
  assert.deepEqual(indexes, ['src/index.ts']);
});

test('the check can fail: a kernel file importing the daemon is caught', () => {
  const file = join(SRC, 'kernel', 'x.ts');
  const to = roomOf(normalize(join(dirname(file), relativeImports("import { a } from '../daemon/run.js';")[0] as string)));
  assert.equal(to, 'daemon');
  assert.ok(!(MAY_IMPORT.kernel ?? []).includes(to));
});
