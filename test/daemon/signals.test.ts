// Issue 11 item 3: an event loop that runs dry while the daemon serves is fatal, with the
// reason, never a silent exit 0 (a simple-lmk memcg domain whose eventfds ended did that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./signals-child.js', import.meta.url));

test('serving with nothing armed ends as fatal with its reason, exit code 1', () => {
  const r = spawnSync(process.execPath, [CHILD], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const end = (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { end: { fatal?: string } }).end;
  assert.match(String(end.fatal), /nothing left to wait on/);
});
