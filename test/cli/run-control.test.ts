// The daemon's wiring of the lmkd control socket: LMK_TARGET reconfigures the table
// policies' levels (and a reload keeps them: the process manager owns that table, as with
// lmkd), LMK_UPDATE_PROPS reloads the configuration file. (The protocol itself is tested
// in test/control/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { memcgV1 } from '../helpers/cgroup.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'));

function ctl(socket: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [REAPD_BIN, 'ctl', '--socket', socket, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('control socket: LMK_TARGET sets the lmkd domain levels, LMK_UPDATE_PROPS reloads the file', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 256, oomKillDisable: true });
  const reapd = new Reapd();
  const socket = join(reapd.dir, 'lmkd.sock');
  const config = (minAdj: number): string => [
    '[daemon]', `socket = "${socket}"`, 'self_protect = false',
    '[[domain]]', 'name = "apps"', `memcg = "${memcg.path}"`, 'policy = "lmkd"', 'levels = "4MiB:0,8MiB:500"', `min_adj = ${minAdj}`,
  ].join('\n');
  try {
    reapd.start({ config: config(0) });
    await reapd.waitForEvent('started', 15_000);
    const target = ctl(socket, 'target', '6MiB:0,12MiB:100,24MiB:900');
    assert.equal(target.status, 0, target.out);
    const applied = await reapd.waitForEvent('lmk-target', 10_000);
    assert.match(applied.msg, /3 levels applied to apps/);
    reapd.writeConfig(config(300));
    const mark = reapd.lines.length;
    const update = ctl(socket, 'update-props');
    assert.equal(update.status, 0, update.out);
    const reloaded = await reapd.waitForEvent('config-reloaded', 10_000, () => true, mark);
    assert.match(reloaded.msg, /domain "apps": levels from LMK_TARGET kept, settings/);
    assert.equal((await reapd.stop()).code, 0);
  } finally {
    await reapd.cleanup();
    await memcg.remove();
  }
});
