// End to end: lowmemorykiller on the whole machine, with a fake /proc/meminfo bind-mounted
// in a private mount namespace (`unshare -m`), so the machine "runs low" without using any
// real memory. The levels sit above every process this test did not start (adj >= 901,
// and --min-adj 901): children at adj 920, 950 and 990 are the only possible victims.
// Expected, as the in-kernel lowmemorykiller behaves (seed 002):
//   - the right level: free and file below 256 MiB but file not below 16 MiB -> min adj 950;
//   - one victim per scan: the adj 990 child first;
//   - death pending: that child is frozen (v1 freezer, [kill] thaw = false) so it cannot
//     exit; for 1 s after its kill nothing else dies; then the adj 950 child;
//   - the adj 920 child, below the level, survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freezerV1 } from '../helpers/cgroup.js';
import { fakeMeminfo, needPrivateMounts } from '../helpers/fake-meminfo.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd, shellQuote } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('freezer'), needCc(), needPrivateMounts());

test('lowmemorykiller on the machine (fake meminfo): the right level, one victim, death pending respected', { skip, timeout: 60_000 }, async () => {
  const freezer = freezerV1();
  const reapd = new Reapd();
  const hogs: Hog[] = [];
  try {
    const c920 = spawnHog({ mib: 8, oomScoreAdj: 920, name: 'reapd-lmk-a920' });
    const c950 = spawnHog({ mib: 8, oomScoreAdj: 950, name: 'reapd-lmk-a950' });
    const c990 = spawnHog({ mib: 8, oomScoreAdj: 990, cgroups: [freezer.path], name: 'reapd-lmk-a990' });
    hogs.push(c920, c950, c990);
    await withTimeout(Promise.all(hogs.map((h) => h.ready)), 15_000, 'children ready');
    freezer.write('freezer.state', 'FROZEN');
    await waitFor(() => freezer.read('freezer.state').trim() === 'FROZEN', 5000, 'the freezer to freeze');

    // other_free = 32 MiB - reserve, other_file = 100 MiB: level 1 (16 MiB) does not apply
    // (file is above it), level 2 (256 MiB) does -> min adj 950.
    const fake = join(reapd.dir, 'meminfo');
    writeFileSync(fake, fakeMeminfo({ MemFree: 32 * 1024, MemAvailable: 64 * 1024, Cached: 100 * 1024, Buffers: 0, Shmem: 0, Unevictable: 0, SwapCached: 0 }));
    reapd.start({
      config: [
        '[daemon]', 'socket = ""', 'self_protect = false',
        '[kill]', 'thaw = false',
        '[[domain]]', 'policy = "lowmemorykiller"', 'levels = "16MiB:990,256MiB:950,512MiB:901"', 'death_pending = "1s"',
        'reclaim_timeout = "300ms"',
      ].join('\n'),
      args: ['--min-adj', '901'],
      wrap: (argv) => ['unshare', '-m', 'sh', '-c', `mount --bind ${shellQuote([fake])} /proc/meminfo && exec ${shellQuote(argv)}`],
    });
    const first = await reapd.waitForEvent('kill', 15_000);
    const second = await reapd.waitForEvent('kill', 10_000, (l) => l.pid !== first.pid);
    assert.equal(first.pid, c990.pid, 'the highest adj at or above the level dies first');
    assert.equal(second.pid, c950.pid, 'then the next one at or above the level');
    for (const k of [first, second]) {
      assert.equal(k.reason, 'level');
      assert.match(String(k.why), /level 2 applies/);
      assert.match(String(k.why), /oom_score_adj 950/);
    }
    // Death pending: one victim per scan, and nothing for 1 s while the frozen victim is dying.
    const firstAt = Number(first.signalAtMs);
    const secondAt = Number(second.signalAtMs);
    assert.ok(secondAt - firstAt >= 900, `second kill ${secondAt - firstAt} ms after the first: death pending was not respected`);
    const between = reapd.lines.slice(reapd.lines.indexOf(first), reapd.lines.indexOf(second)).filter((l) => l.event === 'decision');
    assert.ok(between.some((d) => /Death pending/.test(String(d.msg))), 'a scan during the hold-off says death pending');
    assert.ok(between.every((d) => (d.victims as unknown[]).length <= 1));
    assert.ok(reapd.events('decision').every((d) => (d.victims as unknown[]).length <= 1), 'one victim per scan');
    // After both: nobody at adj >= 950 is left, and the adj 920 child lives.
    await reapd.waitFor((l) => l.event === 'decision' && /No process at adj >= 950/.test(String(l.msg)), 5000, 'an empty decision', reapd.lines.indexOf(second));
    assert.equal(c920.child.exitCode, null, 'adj 920 is below the level: never a victim');
    assert.deepEqual(reapd.events('kill').map((k) => k.pid), [c990.pid, c950.pid], 'nothing else on the machine was touched');
  } finally {
    await reapd.cleanup();
    freezer.write('freezer.state', 'THAWED'); // so a killed or still-living child can die
    await Promise.all(hogs.map((h) => h.kill()));
    await freezer.remove();
  }
});
