// After tsc: make the `reapd` bin executable. tsc writes new files 0644, and npm sets the
// mode of a package's bin only when it links it into another project, so in a fresh
// clone `npx reapd` (and ./dist/src/cli/main.js) would say "Permission denied".
import { chmodSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

chmodSync(fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url)), 0o755);
