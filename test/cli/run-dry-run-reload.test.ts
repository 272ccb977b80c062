// End to end: dry run decides, logs and journals what it would kill and kills nothing;
// SIGHUP with a broken file keeps the running configuration (every error logged with its
// key and line); SIGHUP with a good file applies it — here, ending the dry run, so the
// next pressure event kills for real and the blocked process can finish.
// A process blocked at the limit of a memcg with oom_kill_disable sleeps: the kernel stops
// signalling pressure until memory is uncharged, which wakes it to retry (and fail) its
// charge. Each phase therefore "pokes" the group by ending one small helper process that
// the test started in it beforehand, raising a fresh pressure event. (Starting a new
// process in a full group instead can fail its exec with SIGSEGV.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

function config(memcg: string, dryRun: boolean, extra: string[] = []): string {
  return [
    '[daemon]', 'socket = ""', 'self_protect = false', `dry_run = ${dryRun}`,
    '[[domain]]', 'name = "dry"', `memcg = "${memcg}"`, 'policy = "simple-lmk"', 'minfree = "16MiB"', 'reclaim_timeout = "500ms"',
    ...extra,
  ].join('\n');
}

test('dry run kills nothing and journals the decision; SIGHUP: a broken file keeps the old config, a good one applies', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 256, oomKillDisable: true });
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  try {
    const victim = spawnHog({ mib: 80, oomScoreAdj: 900, cgroups: [memcg.path], name: 'reapd-dry-a900' });
    const helpers = [1, 2].map(() => spawnHog({ mib: 1, oomScoreAdj: 0, cgroups: [memcg.path], name: 'reapd-dry-help' }));
    hogs.push(victim, ...helpers);
    await withTimeout(Promise.all([victim.ready, ...helpers.map((h) => h.ready)]), 10_000, 'victim and helpers ready');
    const poke = (): Promise<void> => (helpers.shift() as Hog).kill();
    reapd.start({ config: config(memcg.path, true) });
    await reapd.waitForEvent('domain-started', 15_000);
    // 80 + 2 + 200 MiB > 256 MiB: blocks at the limit. Once the victim is gone it completes
    // with ~50 MiB to spare: no reclaim, so no further pressure event that could pick it.
    const grow = spawnHog({ mib: 200, stepMiB: 20, stepMs: 20, oomScoreAdj: 0, cgroups: [memcg.path], name: 'reapd-dry-grow' });

    hogs.push(grow);

    // Dry run: the decision is made, logged and journalled, and nobody dies.
    const wouldKill = await reapd.waitForEvent('kill', 20_000);
    assert.equal(wouldKill.pid, victim.pid);
    assert.equal(wouldKill.dryRun, true);
    assert.match(wouldKill.msg, /^Would kill/);
    const journalled = reapd.journal();
    assert.ok(journalled.length >= 1 && journalled.every((r) => r.dryRun === true && r.pid === victim.pid));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(victim.child.exitCode, null, 'dry run: the victim lives');
    assert.equal(victim.child.signalCode, null);
    assert.equal(grow.lines.includes('ready'), false, 'the growing hog is still blocked at the limit');

    // A broken file: every error named with key and line; the running configuration stays.
    reapd.writeConfig(config(memcg.path, false, ['minfree = "lots"', 'min_adjj = 3']).replace('minfree = "16MiB"\n', ''));
    const mark = reapd.lines.length;
    reapd.signal('SIGHUP');
    await reapd.waitForEvent('config-kept', 10_000, () => true, mark);
    await new Promise((r) => setTimeout(r, 600)); // past the dry-run hold (reclaim_timeout)
    await poke();
    const invalid = reapd.events('config-invalid').slice(-2);
    assert.deepEqual(invalid.map((l) => l.key).sort(), ['domain[1].min_adjj', 'domain[1].minfree']);
    assert.ok(invalid.every((l) => typeof l.line === 'number' && l.line > 0));
    const stillDry = await reapd.waitForEvent('kill', 10_000, () => true, mark);
    assert.equal(stillDry.dryRun, true, 'still the old (dry-run) configuration');
    assert.equal(victim.child.exitCode, null);

    // A good file: applied; the next event kills for real and the blocked hog completes.
    reapd.writeConfig(config(memcg.path, false));
    const mark2 = reapd.lines.length;
    reapd.signal('SIGHUP');
    await reapd.waitForEvent('config-reloaded', 10_000, () => true, mark2);
    await poke();
    const real = await reapd.waitForEvent('kill', 20_000, (l) => l.dryRun === false, mark2);
    assert.equal(real.pid, victim.pid);
    assert.equal((await victim.exited).signal, 'SIGKILL');
    await withTimeout(grow.ready, 20_000, 'the blocked hog completes after the real kill');
    assert.match(memcg.read('memory.oom_control'), /^oom_kill 0$/m);
    assert.equal((await reapd.stop()).code, 0);
  } finally {
    await reapd.cleanup();
    await Promise.all(hogs.map((h) => h.kill()));
    await memcg.remove();
  }
});
