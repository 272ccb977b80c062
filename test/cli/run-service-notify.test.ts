// `reapd run` under a service manager: with $NOTIFY_SOCKET set it sends READY=1 once it
// guards, RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 at SIGTERM, and WATCHDOG=1
// pings at half of $WATCHDOG_USEC — received here on a real AF_UNIX datagram socket, as
// systemd receives them. Without $NOTIFY_SOCKET nothing is sent (the daemon runs as before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bindUnix, datagramSocket, recv } from '../../src/kernel/sys/socket.js';
import { close } from '../../src/kernel/sys/io.js';
import { SyscallError } from '../../src/kernel/sys/errors.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { firstReason, needCgroupV1, needRoot } from '../helpers/skip.js';
import { Reapd } from './run-harness.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'));

/** A bound datagram socket and the messages it has received, split into KEY=VALUE lines. */
class NotifyListener {
  readonly messages: string[][] = [];
  private readonly fd: number;
  private readonly buf = Buffer.alloc(4096);

  constructor(readonly path: string) {
    this.fd = datagramSocket();
    bindUnix(this.fd, path);
  }

  private drain(): void {
    for (;;) {
      try {
        const n = recv(this.fd, this.buf);
        this.messages.push(this.buf.subarray(0, n).toString().split('\n'));
      } catch (e) {
        if (e instanceof SyscallError && e.code === 'EAGAIN') return;
        throw e;
      }
    }
  }

  async waitFor(line: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.drain();
      if (this.count(line) >= count) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count}× ${line}; got ${JSON.stringify(this.messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  count(line: string): number {
    this.drain();
    return this.messages.filter((m) => m.includes(line)).length;
  }

  close(): void {
    close(this.fd);
  }
}

const config = (memcg: string): string =>
  ['[daemon]', 'socket = ""', 'self_protect = false', 'dry_run = true',
    '[[domain]]', 'name = "svc"', `memcg = "${memcg}"`, 'policy = "simple-lmk"', 'minfree = "8MiB"'].join('\n');

test('READY, RELOADING/READY, WATCHDOG and STOPPING reach the notify socket', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 64 });
  const reapd = new Reapd();
  const listener = new NotifyListener(join(reapd.dir, 'notify.sock'));
  try {
    reapd.start({ config: config(memcg.path), env: { NOTIFY_SOCKET: listener.path, WATCHDOG_USEC: '400000' } });
    await listener.waitFor('READY=1', 1, 20_000);
    // READY=1 comes only once the domains are armed: the log already says so.
    assert.equal(reapd.events('started').length, 1);
    const ready = listener.messages.find((m) => m.includes('READY=1')) ?? [];
    assert.ok(ready.includes(`MAINPID=${reapd.child?.pid}`), JSON.stringify(ready));
    assert.ok(ready.some((l) => l.startsWith('STATUS=guarding svc')));
    await listener.waitFor('WATCHDOG=1', 3, 10_000);
    reapd.signal('SIGHUP');
    await listener.waitFor('RELOADING=1', 1, 10_000);
    await listener.waitFor('READY=1', 2, 10_000);
    const ended = await reapd.stop();
    assert.equal(ended.code, 0);
    await listener.waitFor('STOPPING=1', 1, 5_000);
  } finally {
    listener.close();
    await reapd.cleanup();
    await memcg.remove();
  }
});

test('without NOTIFY_SOCKET the daemon sends nothing and runs as before', { skip, timeout: 60_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 64 });
  const reapd = new Reapd();
  const listener = new NotifyListener(join(reapd.dir, 'notify.sock'));
  try {
    reapd.start({ config: config(memcg.path), env: { NOTIFY_SOCKET: '', WATCHDOG_USEC: '400000' } });
    await reapd.waitForEvent('started', 20_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(listener.count('READY=1'), 0);
    assert.equal(reapd.events('service-watchdog').length, 0);
    assert.equal((await reapd.stop()).code, 0);
  } finally {
    listener.close();
    await reapd.cleanup();
    await memcg.remove();
  }
});
