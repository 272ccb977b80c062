// A private dbus-daemon for tests (Debian's dbus package): a system-type bus on a socket in
// a temp directory whose policy denies owning names except through the files included —
// so a test that owns io.reapd.Daemon1 proves contrib/dbus/io.reapd.Daemon1.conf allows it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { waitFor } from './hog.js';

const DBUS_DAEMON = '/usr/bin/dbus-daemon';

export function needDbusDaemon(): string | undefined {
  if (!existsSync(DBUS_DAEMON)) return `${DBUS_DAEMON} not installed (apt-get install dbus)`;
  return spawnSync(DBUS_DAEMON, ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : `${DBUS_DAEMON} --version failed`;
}

export interface TestBus {
  address: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestBus(opts: { extraPolicy?: string } = {}): Promise<TestBus> {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-bus-'));
  const socket = join(dir, 'bus');
  writeFileSync(join(dir, 'bus.conf'), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"/>
  </policy>
  ${opts.extraPolicy ?? ''}
  <include>${join(REPO_ROOT, 'contrib', 'dbus', 'io.reapd.Daemon1.conf')}</include>
</busconfig>
`);
  const child: ChildProcess = spawn(DBUS_DAEMON, ['--config-file', join(dir, 'bus.conf'), '--nofork', '--nopidfile'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(() => existsSync(socket) || child.exitCode !== null, 10_000, `dbus-daemon listening\n${stderr}`);
    if (child.exitCode !== null) throw new Error(`dbus-daemon exited: ${stderr}`);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    address: `unix:path=${socket}`,
    dir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
