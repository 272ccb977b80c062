// End to end against a real dbus-daemon (a private system-type bus whose only ownership
// rule is contrib/dbus/io.reapd.Daemon1.conf): a kill in a v1 memcg produces one Killed
// signal per victim with the kill's facts; GetStatus and GetRecentKills answer; and when
// the bus goes away before the squeeze, the kill still happens (event -> SIGKILL reported
// with and without the bus, from the daemon's own log) and the bus's absence is logged once.
// `reapd status` and `reapd top` (in tmux: send-keys / capture-pane) read GetStatus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dbus from 'dbus-next';
import { waitFor } from '../helpers/hog.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { needDbusDaemon, startTestBus } from '../helpers/dbus-daemon.js';
import { startKillScenario } from '../cli/kill-scenario.js';
import { DBUS_INTERFACE, DBUS_NAME, DBUS_PATH } from '../../src/daemon/dbus/names.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc(), needDbusDaemon());
const signalTimes = (lines: Array<Record<string, unknown>>): number[] => lines.map((l) => Number(l.eventToSignalMs)).filter(Number.isFinite);

interface Killed { pid: number; uid: number; name: string; scope: string; sizeKiB: bigint; reason: string; policy: string; domain: string; reaped: boolean; reapMs: number }

test('D-Bus: a kill emits Killed with its facts; GetStatus and GetRecentKills answer', { skip, timeout: 90_000 }, async (t) => {
  const bus = await startTestBus();
  const client = dbus.sessionBus({ busAddress: bus.address });
  const s = await startKillScenario({ name: 'dbus', daemonLines: [`dbus = "${bus.address}"`] });
  try {
    await s.reapd.waitForEvent('dbus', 10_000);
    const obj = await client.getProxyObject(DBUS_NAME, DBUS_PATH);
    const iface = obj.getInterface(DBUS_INTERFACE);
    const killed: Killed[] = [];
    iface.on('Killed', (pid: number, uid: number, name: string, scope: string, sizeKiB: bigint, reason: string, policy: string, domain: string, reaped: boolean, reapMs: number) =>
      killed.push({ pid, uid, name, scope, sizeKiB, reason, policy, domain, reaped, reapMs }));
    await s.squeeze();
    const kills = s.kills();
    await s.reapd.waitFor(() => killed.length >= kills.length, 5000, 'a Killed signal per kill');
    assert.equal(killed.length, 2);
    for (const k of kills) {
      const sig = killed.find((x) => x.pid === Number(k.pid));
      assert.ok(sig, `Killed for ${String(k.pid)}`);
      assert.equal(sig.uid, Number(k.uid));
      assert.equal(sig.name, k.name);
      assert.equal(sig.sizeKiB, BigInt(Math.round(Number(k.sizeKiB))));
      assert.equal(sig.reason, k.reason);
      assert.equal(sig.policy, 'simple-lmk');
      assert.equal(sig.domain, 'apps');
      assert.equal(sig.reaped, k.reaped);
      assert.equal(sig.reapMs, k.reapMs === null ? -1 : Number(k.reapMs));
    }
    const call = iface as unknown as { GetStatus(): Promise<string>; GetRecentKills(max: number): Promise<string> };
    const status = JSON.parse(String(await call.GetStatus())) as { domains: Array<{ name: string; headroomKiB: number; next: unknown[] }>; lastKills: Array<{ pid: number }> };
    assert.equal(status.domains[0]?.name, 'apps');
    assert.equal(typeof status.domains[0]?.headroomKiB, 'number');
    assert.deepEqual(status.lastKills.map((k) => k.pid).sort(), kills.map((k) => Number(k.pid)).sort());
    const recent = JSON.parse(String(await call.GetRecentKills(1))) as unknown[];
    assert.equal(recent.length, 1, 'GetRecentKills(max) returns at most max');
    t.diagnostic(`event -> SIGKILL with the bus up (ms): ${signalTimes(kills).join(', ')}`);
  } finally {
    client.disconnect();
    await s.cleanup();
    await bus.stop();
  }
});

test('D-Bus: the bus going away does not stop a kill; its absence is logged once', { skip, timeout: 90_000 }, async (t) => {
  const bus = await startTestBus();
  const s = await startKillScenario({ name: 'dbusgone', daemonLines: [`dbus = "${bus.address}"`] });
  try {
    await s.reapd.waitForEvent('dbus', 10_000);
    await bus.stop();
    await s.reapd.waitForEvent('dbus-down', 10_000);
    await s.squeeze();
    assert.equal(s.kills().length, 2, s.reapd.describe());
    for (const v of s.victims) assert.equal((await v.exited).signal, 'SIGKILL');
    assert.equal(s.reapd.events('dbus-down').length, 1, 'logged once');
    t.diagnostic(`event -> SIGKILL with the bus gone (ms): ${signalTimes(s.kills()).join(', ')}`);
  } finally {
    await s.cleanup();
    await bus.stop().catch(() => undefined);
  }
});

const tmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

test('reapd status over D-Bus, and reapd top in a real terminal (tmux)', { skip: skip ?? (tmux ? undefined : 'tmux not installed (apt-get install tmux)'), timeout: 90_000 }, async () => {
  const bus = await startTestBus();
  const s = await startKillScenario({ name: 'top', daemonLines: [`dbus = "${bus.address}"`] });
  const session = `reapd-top-${process.pid}`;
  try {
    await s.reapd.waitForEvent('dbus', 10_000);
    const one = spawnSync(process.execPath, [REAPD_BIN, 'status', '--dbus', bus.address], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /^apps {2}simple-lmk/m);
    assert.match(one.stdout, /headroom {2}[\d.]+ MiB above the kill level/);
    assert.match(one.stdout, /^ {2}next {6}.*reapd-top-a500\(\d+, uid 0, adj 500/m, 'the next victims, as simple-lmk would pick them');
    assert.match(one.stdout, /^ {2}next {6}.*reapd-top-a900\(\d+, uid 0, adj 900/m);
    assert.doesNotMatch(one.stdout, /reapd-top-a0\(/, 'not the adj-0 hog');
    assert.match(one.stdout, /no kills since reapd started/);
    const cmd = `${process.execPath} ${REAPD_BIN} top --dbus ${bus.address} --interval 200ms`;
    assert.equal(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '40', cmd]).status, 0);
    const pane = (): string => spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout ?? '';
    await waitFor(() => /refreshed every 200 ms/.test(pane()), 20_000, 'reapd top drew its screen');
    assert.match(pane(), /^apps {2}simple-lmk/m);
    await s.squeeze();
    await waitFor(() => /last kills:/.test(pane()), 10_000, `reapd top shows the kills\n${pane()}`);
    assert.match(pane(), /reapd-top-a900\(\d+\) {2}[\d.]+ MiB {2}apps {2}minfree/);
    spawnSync('tmux', ['send-keys', '-t', session, 'q']);
    await waitFor(() => spawnSync('tmux', ['has-session', '-t', session], { stdio: 'ignore' }).status !== 0, 10_000, 'q quits reapd top (its session ends)');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    await s.cleanup();
    await bus.stop();
  }
});
