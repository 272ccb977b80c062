// Random datagrams from one connection (a raw socket, so every byte pattern goes out as
// is, empty datagrams included); after each batch the server must still answer a valid
// GETKILLCNT on another connection and on the same one, with the right count.
// The server's kernel access only lets our own sleeping child be registered: random
// PROCPRIO pids must never reach a real process of the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LmkdClient } from '../../src/control/client.js';
import { procAccess, type ProcessAccess } from '../../src/control/proc-access.js';
import { decodeCommand, encode, packWords } from '../../src/control/protocol.js';
import { decodeServerMessage } from '../../src/control/replies.js';
import { close, PollSet, pollAsync, POLLIN, POLLOUT } from '../../src/kernel/sys/io.js';
import { isSyscallError } from '../../src/kernel/sys/errors.js';
import { connectUnix, recv, send, seqpacketSocket } from '../../src/kernel/sys/socket.js';
import { sleeper, startServer } from './helpers.js';

/** Only `allowed` pids exist as far as the server can tell. */
function guarded(allowed: ReadonlySet<number>): ProcessAccess {
  const real = procAccess();
  return { ...real, tgid: (pid) => (allowed.has(pid) ? real.tgid(pid) : undefined) };
}

class RawClient {
  private readonly buf = Buffer.alloc(256);
  constructor(readonly fd: number) {}

  static connect(path: string): RawClient {
    const fd = seqpacketSocket();
    connectUnix(fd, path);
    return new RawClient(fd);
  }

  async send(data: Uint8Array): Promise<void> {
    for (;;) {
      try {
        send(this.fd, data);
        return;
      } catch (e) {
        if (!isSyscallError(e, 'EAGAIN')) throw e;
        await pollAsync(new PollSet([{ fd: this.fd, events: POLLOUT }]), 1000);
      }
    }
  }

  async reply(): Promise<Uint8Array> {
    for (let tries = 0; tries < 50; tries++) {
      try {
        const n = recv(this.fd, this.buf);
        assert.notEqual(n, 0, 'the server closed the fuzzing connection');
        return Uint8Array.from(this.buf.subarray(0, n));
      } catch (e) {
        if (!isSyscallError(e, 'EAGAIN')) throw e;
        await pollAsync(new PollSet([{ fd: this.fd, events: POLLIN }]), 100);
      }
    }
    throw new Error('no reply within 5 s');
  }
}

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const nearValid = fc.oneof(fc.integer({ min: -1100, max: 1100 }), fc.integer({ min: 0, max: 5 }), int32);
const datagram = fc.oneof(
  fc.uint8Array({ maxLength: 70 }),
  fc.tuple(fc.integer({ min: -1, max: 12 }), fc.array(nearValid, { maxLength: 14 })).map(([cmd, args]) => packWords([cmd, ...args])),
);

/** Datagrams the server answers (GETKILLCNT, UPDATE_PROPS with no hook: -1, BOOT_COMPLETED). */
function expectsReply(d: Uint8Array): boolean {
  const r = decodeCommand(d);
  return r.ok && (r.value.cmd === 'getkillcnt' || r.value.cmd === 'update_props' || r.value.cmd === 'boot_completed');
}

test('random datagrams never stop the server from answering GETKILLCNT, on another connection or the same one', async () => {
  const kid = await sleeper();
  const t = await startServer({ access: guarded(new Set([kid.pid])), logLinesPerSecond: 2 });
  const other = await LmkdClient.connect(t.path);
  const fuzzer = RawClient.connect(t.path);
  try {
    for (const pid of [4_100_001, 4_100_002, 4_100_003]) t.server.notifyKill({ time: '', pid, name: 'x', uid: 0, oomScoreAdj: 500, sizeKiB: 1, anonKiB: 1, policy: 'lmkd', reason: 'level', reaped: false, reapMs: null, exitMs: null, dryRun: false });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(datagram, { maxLength: 40 }), fc.option(fc.constantFrom(...[400, 500, 600]), { nil: undefined }), async (batch, adj) => {
        // Sometimes register our own child in between, so PROCREMOVE/PURGE have something to act on.
        if (adj !== undefined) batch.push(encode.procPrio({ pid: kid.pid, uid: 0, adj, processType: 0 }));
        for (const d of batch) await fuzzer.send(d);
        sent += batch.length;
        assert.equal(await other.getKillCount(500, 500), 3);
        await fuzzer.send(encode.getKillCount(500, 500));
        for (let n = batch.filter(expectsReply).length; n > 0; n--) assert.equal(decodeServerMessage(await fuzzer.reply()).ok, true);
        assert.deepEqual(decodeServerMessage(await fuzzer.reply()), { ok: true, value: { cmd: 'killcnt', count: 3 } });
      }),
      { seed: 0x1a3d, numRuns: 150 },
    );
    assert.ok(sent > 500, `sent ${sent} datagrams`);
    assert.equal(t.server.connectionCount, 2);
    for (const pid of t.server.registry().keys()) assert.equal(pid, kid.pid); // nothing else was ever registered
  } finally {
    close(fuzzer.fd);
    await other.close();
    await t.stop();
    await kid.kill();
  }
});
