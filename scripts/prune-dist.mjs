// Removes compiled files whose source is gone (a moved or deleted .ts leaves its old
// .js, .js.map and .d.ts in dist/, and the test runner would still run an old test).
// tsc's incremental build never deletes outputs, so the build runs this after it.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const OUTPUTS = [/\.d\.ts$/, /\.js\.map$/, /\.js$/];

function prune(dir, rel) {
  for (const entry of readdirSync(dir)) {
    const out = join(dir, entry);
    const src = join(rel, entry);
    if (statSync(out).isDirectory()) {
      prune(out, src);
      if (readdirSync(out).length === 0) rmSync(out, { recursive: true });
      continue;
    }
    const suffix = OUTPUTS.find((re) => re.test(entry));
    if (suffix && !existsSync(src.replace(suffix, '.ts'))) rmSync(out);
  }
}

for (const top of ['src', 'test', 'bench']) if (existsSync(join('dist', top))) prune(join('dist', top), top);
