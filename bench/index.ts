// `npm run bench`: runs every bench/*.bench.ts (compiled to dist/bench) and writes each
// one's markdown section into docs/performance.md between its markers:
//   <!-- bench:NAME -->  …  <!-- /bench:NAME -->
// `npm run bench -- scan kill` runs only the named benchmarks.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a benchmark module exports. */
export interface Benchmark {
  /** Short name, used for the markers and on the command line. */
  name: string;
  /** Runs the benchmark; returns the markdown section (tables, the command, the machine). */
  run(): Promise<string>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
const docPath = join(repoRoot, 'docs', 'performance.md');

function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
    const bench = mod.default;
    if (only.length > 0 && !only.includes(bench.name) && !only.includes(basename(file, '.bench.js'))) continue;
    process.stdout.write(`\n== ${bench.name} ==\n`);
    const section = await bench.run();
    process.stdout.write(`${section}\n`);
    const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Performance\n';
    writeFileSync(docPath, replaceSection(doc, bench.name, section));
  }
}

await main();
