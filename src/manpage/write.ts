// `npm run man`: regenerates man/reapd.8 and man/reapd.toml.5 from docs/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, manPages, renderManPageFile } from './pages.js';

const dir = join(PACKAGE_ROOT, 'man');
mkdirSync(dir, { recursive: true });
for (const f of manPages()) {
  writeFileSync(join(dir, f.file), renderManPageFile(f));
  console.log(`man/${f.file} <- ${f.from}`);
}
