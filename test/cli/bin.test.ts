// The `reapd` bin as a user runs it: executable, with its shebang, straight from the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { REAPD_BIN } from '../helpers/paths.js';

test('the built bin is executable and runs by itself (shebang), as `npx reapd` runs it', () => {
  assert.equal(statSync(REAPD_BIN).mode & 0o111, 0o111, 'mode 755');
  const r = spawnSync(REAPD_BIN, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: reapd/m);
});
