// `reapd notify` and its buses, against real dbus-daemons: it hears a daemon whose name
// goes away and comes back (a restart: a new connection owns io.reapd.Daemon1), ignores
// the signals of a connection that does not own the name, exits 1 with the reason when a
// bus is absent at start or lost later, and 0 on SIGTERM. The daemon's side here is the
// test owning the name with reapd's own DaemonInterface (src/daemon/dbus/interface.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dbus from 'dbus-next';
import { firstReason, needRoot } from '../helpers/skip.js';
import { waitFor, withTimeout } from '../helpers/hog.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { needDbusDaemon, startTestBus } from '../helpers/dbus-daemon.js';
import { NOTIFICATIONS_POLICY, startNotificationStub } from '../helpers/notification-server.js';
import { NotifyProcess } from './notify-harness.js';
import { DaemonInterface } from '../../src/daemon/dbus/interface.js';
import { DBUS_INTERFACE, DBUS_NAME, DBUS_PATH, KILLED_SIGNATURE } from '../../src/daemon/dbus/names.js';

// Owning io.reapd.Daemon1 is root's alone (contrib/dbus/io.reapd.Daemon1.conf).
const skip = firstReason(needRoot(), needDbusDaemon());
const UID = process.getuid?.() ?? 0;

/** Own the daemon's name on a new connection, as reapd does. */
async function fakeDaemon(address: string): Promise<{ iface: DaemonInterface; bus: dbus.MessageBus }> {
  const bus = dbus.sessionBus({ busAddress: address });
  const iface = new DaemonInterface({ status: () => Promise.resolve('{}'), recentKills: () => '[]' });
  bus.export(DBUS_PATH, iface);
  assert.equal(await bus.requestName(DBUS_NAME, dbus.NameFlag.DO_NOT_QUEUE), dbus.RequestNameReply.PRIMARY_OWNER);
  return { iface, bus };
}

const uniqueName = (bus: dbus.MessageBus): string => (bus as unknown as { name: string }).name;

const FIREFOX_SCOPE = '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-77.scope';
const killed = (iface: DaemonInterface, name: string, o: { uid?: number; scope?: string } = {}): void =>
  void iface.Killed(4242, o.uid ?? UID, name, o.scope ?? '', 2202009n, 'psi-critical', 'oom-score', 'machine', true, 3.5);

test('reapd notify hears reapd again after its name went away and came back; a non-owner is not heard', { skip, timeout: 60_000 }, async () => {
  const system = await startTestBus();
  const session = await startTestBus({ extraPolicy: NOTIFICATIONS_POLICY });
  const stub = await startNotificationStub(session.address);
  const n = new NotifyProcess(['--dbus', system.address, '--session-bus', session.address]);
  const spoofer = dbus.sessionBus({ busAddress: system.address });
  try {
    await n.waitForLines(/is not on .*: waiting for it$/, 1, 15_000);
    await n.waitForLines(/^listening on /, 1, 5000);
    const first = await fakeDaemon(system.address);
    await n.waitForLines(/ is on .* as :/, 1, 5000);
    killed(first.iface, 'Isolated Web Co', { scope: FIREFOX_SCOPE });
    await waitFor(() => stub.calls.length === 1, 5000, `the first kill shown\n${n.describe()}`);
    assert.equal(stub.calls[0]?.summary, 'Low memory: Isolated Web Co in firefox (2.1 GiB) was closed to keep the system responsive');
    first.bus.disconnect();
    await n.waitForLines(/is not on .*: waiting for it$/, 2, 5000);
    const second = await fakeDaemon(system.address);
    await n.waitForLines(/ is on .* as :/, 2, 5000);
    // A signal like reapd's, sent straight to the notifier (no match rule in the way) by a
    // connection that does not own the name: dropped by the notifier's own sender check.
    const names = (await spoofer.call(new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'ListNames' })))?.body[0] as string[];
    const notifier = names.filter((x) => x.startsWith(':') && x !== uniqueName(spoofer) && x !== uniqueName(second.bus));
    assert.equal(notifier.length, 1, `the notifier's connection among ${names.join(' ')}`);
    const spoof = dbus.Message.newSignal(DBUS_PATH, DBUS_INTERFACE, 'Killed', KILLED_SIGNATURE, [1, UID, 'spoofed', '', 1n, 'x', 'x', 'x', false, -1]);
    spoof.destination = notifier[0] as string;
    spoofer.send(spoof);
    killed(second.iface, 'thunderbird', { uid: UID + 1 });
    killed(second.iface, 'gimp');
    await waitFor(() => stub.calls.length >= 2, 5000, `the kill after the restart shown\n${n.describe()}`);
    second.bus.disconnect();
    await n.waitForLines(/is not on .*: waiting for it$/, 3, 5000);
    assert.deepEqual(stub.calls.map((c) => c.summary), ['Low memory: Isolated Web Co in firefox (2.1 GiB) was closed to keep the system responsive', 'Low memory: gimp (2.1 GiB) was closed to keep the system responsive'],
      "the restarted daemon is heard; the spoofed signal and another uid's kill are not");
    assert.deepEqual(await n.stop(), { code: 0, signal: null }, 'SIGTERM ends it with 0');
  } finally {
    spoofer.disconnect();
    await n.stop();
    stub.close();
    await session.stop();
    await system.stop();
  }
});

test('reapd notify: no bus at start is exit 1 with the reason; losing a bus later is exit 1 too', { skip: needDbusDaemon(), timeout: 60_000 }, async () => {
  const session = await startTestBus({ extraPolicy: NOTIFICATIONS_POLICY });
  try {
    const none = spawnSync(process.execPath, [REAPD_BIN, 'notify', '--dbus', `unix:path=${session.dir}/absent`, '--session-bus', session.address], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^reapd: cannot reach unix:path=\S+\/absent: connect ENOENT/);
    const noSession = spawnSync(process.execPath, [REAPD_BIN, 'notify', '--dbus', session.address], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' } });
    assert.equal(noSession.status, 1);
    assert.match(noSession.stderr, /cannot connect to the session bus: DBUS_SESSION_BUS_ADDRESS is not set/);
    const system = await startTestBus();
    const n = new NotifyProcess(['--dbus', system.address, '--session-bus', session.address]);
    try {
      await n.waitForLines(/^listening on /, 1, 15_000);
      await system.stop();
      const end = await withTimeout(n.exited, 10_000, 'reapd notify exits when its bus is gone');
      assert.equal(end.code, 1, n.describe());
      assert.match(n.stderr, /^reapd: lost unix:path=\S+: the bus closed the connection; exiting$/m);
    } finally {
      await n.stop().catch(() => undefined);
      await system.stop();
    }
  } finally {
    await session.stop();
  }
});
