// Issue 11 item 8: a --memcg path that is no cgroup fails every command the same way —
// exit 3, one plain line naming the flag, no internal code — and `run` fails before any
// start-up work (no probe, no self-protection, no kill thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REAPD_BIN } from '../helpers/paths.js';

const reapd = (...args: string[]) => spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
const GONE = '/nonexistent/reapd-memcg';

for (const argv of [['run'], ['explain'], ['record', '--duration', '1s'], ['snapshot'], ['check-config']]) {
  test(`${argv[0]} --memcg ${GONE}: exit 3, "--memcg: … does not exist", nothing started`, () => {
    const r = reapd(...argv, '--memcg', GONE);
    assert.equal(r.status, EXIT.CONFIG, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`--memcg: ${GONE} does not exist`));
    assert.doesNotMatch(r.stderr, /REAPD_[A-Z_]+/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /starting|self-protect|kill-thread|capabilities/);
  });
}
