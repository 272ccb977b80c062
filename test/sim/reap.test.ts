// The scenario in which reaping visibly changes the outcome: frozen victims that may not
// be thawed free nothing when killed, unless their memory is reaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';

test('frozen-background: without reaping, more time under critical pressure and the foreground app dies', async () => {
  const s = loadScenario(join(REPO_ROOT, 'scenarios', 'frozen-background.toml'));
  const result = await simulateScenario(s, { runs: ['lmkd', 'simple-lmk', 'oom-score'], compareNoReap: true });
  const run = (label: string) => {
    const r = result.runs.find((x) => x.label === label);
    assert.ok(r, label);
    return r;
  };
  const withReap = run('lmkd');
  const without = run('lmkd (no reap)');
  assert.equal(withReap.reap, 'on');
  assert.equal(without.reap, 'off');
  assert.ok(
    without.summary.criticalMs > withReap.summary.criticalMs * 2,
    `critical pressure: ${without.summary.criticalMs} ms without reaping vs ${withReap.summary.criticalMs} ms with`,
  );
  for (const policy of ['lmkd', 'simple-lmk', 'oom-score']) {
    const on = run(policy);
    const off = run(`${policy} (no reap)`);
    const frozenKills = on.kills.filter((k) => k.name === 'photo-editor' || k.name === 'maps');
    assert.ok(frozenKills.length > 0, `${policy} kills a frozen app`);
    for (const k of frozenKills) {
      assert.equal(k.exitAtMs, null, 'a frozen victim that may not be thawed never exits');
      assert.ok(k.reapedKiB > 0 && k.freedKiB === k.reapedKiB, 'yet reaping gave its memory back');
    }
    assert.ok(!on.kills.some((k) => k.name === 'game'), `${policy} with reaping: the foreground game survives`);
    assert.ok(off.kills.some((k) => k.name === 'game'), `${policy} without reaping: the foreground game dies`);
    assert.ok(off.summary.kills > on.summary.kills, `${policy}: more kills without reaping`);
    assert.ok(off.summary.reclaimTimeouts >= 1, `${policy}: reclaims time out waiting for frozen victims`);
  }
});
