// `reapd notify` end to end: a real `reapd run` on a private dbus-daemon kills in a v1
// memcg, and two real `reapd notify` listen on that bus, each sending to its own stub
// notification server (another private bus owning org.freedesktop.Notifications). The one
// for the victims' uid shows exactly one notice per kill and one warning before the first
// — and holds back the daemon's repeated warnings for the same app (warn_every is 200 ms
// here, the notifier's limit one per app per minute). The one told to watch another uid
// hears the same signals and shows nothing: the test fails when the filter does not hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { needDbusDaemon, startTestBus, type TestBus } from '../helpers/dbus-daemon.js';
import { NOTIFICATIONS_POLICY, startNotificationStub, type NotificationStub } from '../helpers/notification-server.js';
import { startKillScenario } from '../cli/kill-scenario.js';
import { NotifyProcess } from './notify-harness.js';
import { formatKiB } from '../../src/model/units.js';

const skip = firstReason(needRoot(), needCc(), needCgroupV1('memory'), needDbusDaemon());

test('reapd notify: one notice per kill, one warning before it, repeated warnings held back; another uid sees nothing', { skip, timeout: 120_000 }, async (t) => {
  const buses: TestBus[] = [];
  const stubs: NotificationStub[] = [];
  const notifiers: NotifyProcess[] = [];
  const system = await startTestBus();
  buses.push(system);
  const s = await startKillScenario({
    name: 'ntfy', growStepMs: 300,
    daemonLines: [`dbus = "${system.address}"`],
    domainLines: ['warn_headroom = "100MiB"', 'warn_interval = "100ms"', 'warn_every = "200ms"'],
  });
  try {
    const desktop = async (): Promise<{ bus: TestBus; stub: NotificationStub }> => {
      const bus = await startTestBus({ extraPolicy: NOTIFICATIONS_POLICY });
      buses.push(bus);
      const stub = await startNotificationStub(bus.address);
      stubs.push(stub);
      return { bus, stub };
    };
    const mine = await desktop();
    const other = await desktop();
    await s.reapd.waitForEvent('dbus', 10_000);
    const n = new NotifyProcess(['--dbus', system.address, '--session-bus', mine.bus.address]);
    const nOther = new NotifyProcess(['--dbus', system.address, '--session-bus', other.bus.address, '--uid', '4242']);
    notifiers.push(n, nOther);
    for (const p of notifiers) await p.waitForLines(/^listening on /, 1, 15_000);
    for (const p of notifiers) await p.waitForLines(/^reapd \(io\.reapd\.Daemon1\) is on /, 1, 5000);

    await s.squeeze();
    const kills = s.kills();
    const warnings = s.reapd.events('warning', 'apps') as unknown as Array<{ next: Array<{ name: string }> }>;
    // Stopping reapd takes its name off the bus: each notifier logs that after every
    // signal before it has been handled (it works in the bus's order).
    await s.reapd.stop();
    for (const p of notifiers) await p.waitForLines(/is not on .*: waiting for it$/, 1, 10_000);

    const calls = mine.stub.calls;
    t.diagnostic(`reapd: ${kills.length} kills, ${warnings.length} warnings; notices shown: ${calls.map((c) => c.summary).join(' | ')}`);
    const killedCalls = calls.filter((c) => c.summary.startsWith('Low memory: '));
    assert.equal(killedCalls.length, kills.length, `one notice per kill\n${n.describe()}`);
    for (const k of kills) {
      const summary = `Low memory: ${String(k.name)} (${formatKiB(Number(k.sizeKiB))}) was closed to keep the system responsive`;
      assert.equal(killedCalls.filter((c) => c.summary === summary).length, 1, `exactly one "${summary}"`);
    }
    assert.ok(calls.every((c) => c.appName === 'reapd'));

    const first = String(kills[0]?.name);
    const warnedFirst = warnings.filter((w) => w.next[0]?.name === first).length;
    assert.ok(warnedFirst >= 2, `the daemon warned about ${first} more than once (${warnedFirst}): the rate limit has something to hold back`);
    const warningCalls = calls.filter((c) => c.summary.startsWith('Memory is running out: '));
    const forFirst = warningCalls.filter((c) => c.summary === `Memory is running out: ${first} may be closed`);
    assert.equal(forFirst.length, 1, `one warning notice for ${first}\n${n.describe()}`);
    assert.ok(calls.indexOf(forFirst[0] as never) < calls.findIndex((c) => c.summary.startsWith(`Low memory: ${first} `)), 'the warning came before the kill');
    assert.equal(forFirst[0]?.urgency, 2, 'a warning is critical: it stays until read');
    const apps = warningCalls.map((c) => c.summary);
    assert.equal(new Set(apps).size, apps.length, 'no app warned twice within a minute');
    assert.ok(n.count(/^held back \(one per app per minute\): warning /) >= 1, 'the repeats were held back, and logged');

    assert.equal(other.stub.calls.length, 0, `uid 4242 owns none of the victims\n${nOther.describe()}`);
    assert.equal(nOther.count(/^shown/), 0);
  } finally {
    for (const p of notifiers) await p.stop().catch(() => undefined);
    for (const st of stubs) st.close();
    await s.cleanup();
    for (const b of buses) await b.stop();
  }
});
