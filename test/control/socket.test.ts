// src/kernel/sys/socket.ts: SOCK_SEQPACKET through libc with hand-laid structs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, PollSet, poll, POLLIN, POLLHUP } from '../../src/kernel/sys/io.js';
import { SyscallError } from '../../src/kernel/sys/errors.js';
import {
  accept, bindUnix, connectUnix, getsockoptInt, listen, MessageBuffer, peerCred, POINTER_SIZE, recv, recvmsgWithCred, send,
  seqpacketSocket, setsockoptInt, sockaddrUn, SO_PASSCRED, SOL_SOCKET,
} from '../../src/kernel/sys/socket.js';

function pair(path: string): { listener: number; client: number; server: number } {
  const listener = seqpacketSocket();
  setsockoptInt(listener, SOL_SOCKET, SO_PASSCRED, 1);
  bindUnix(listener, path);
  listen(listener, 3);
  const client = seqpacketSocket();
  connectUnix(client, path);
  return { listener, client, server: accept(listener) };
}

test('seqpacket over a path: datagram boundaries, credentials, MSG_TRUNC, empty datagram vs end of stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-sock-'));
  const { listener, client, server } = pair(join(dir, 's'));
  try {
    assert.equal(getsockoptInt(server, SOL_SOCKET, SO_PASSCRED), 1, 'inherited from the listener');
    assert.deepEqual(peerCred(server), { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    const mb = new MessageBuffer(16);
    send(client, Buffer.from([1, 2, 3, 4]));
    send(client, Buffer.alloc(40, 9));
    send(client, Buffer.alloc(0));
    const a = recvmsgWithCred(server, mb);
    assert.deepEqual([a.length, a.truncated, Array.from(a.data)], [4, false, [1, 2, 3, 4]]);
    assert.deepEqual(a.cred, { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    const b = recvmsgWithCred(server, mb);
    assert.deepEqual([b.length, b.truncated, b.data.length], [40, true, 16]); // the real length, 16 bytes kept
    const empty = recvmsgWithCred(server, mb);
    assert.equal(empty.length, 0);
    assert.ok(empty.cred, 'an empty datagram still carries credentials');
    assert.throws(() => recvmsgWithCred(server, mb), (e: unknown) => e instanceof SyscallError && e.code === 'EAGAIN');
    send(server, Buffer.from([5, 6]));
    const buf = Buffer.alloc(8);
    assert.equal(recv(client, buf), 2);
    close(client);
    const set = new PollSet([{ fd: server, events: POLLIN }]);
    assert.equal(poll(set, 1000), 1);
    assert.ok(set.revents(0) & POLLHUP);
    const eof = recvmsgWithCred(server, mb);
    assert.equal(eof.length, 0);
    assert.equal(eof.cred, undefined, 'the end of the stream carries none');
  } finally {
    close(server);
    close(listener);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('abstract names work; paths that do not fit sun_path are refused', () => {
  const { listener, client, server } = pair(`\0reapd-test-${process.pid}`);
  close(client);
  close(server);
  close(listener);
  assert.throws(() => sockaddrUn('/x'.repeat(60)), (e: unknown) => e instanceof SyscallError && e.code === 'ENAMETOOLONG');
  assert.equal(sockaddrUn('/run/reapd/lmkd.sock').length, 2 + 20 + 1);
});

test('struct layout matches this ABI: msghdr is 7 words, its iovec and control pointers set', () => {
  const mb = new MessageBuffer(64, 128);
  assert.equal(mb.msghdr.length, 7 * POINTER_SIZE);
  assert.equal(mb.controlLength, 128);
  const word = (i: number): bigint => (POINTER_SIZE === 8 ? mb.msghdr.readBigUInt64LE(i * 8) : BigInt(mb.msghdr.readUInt32LE(i * 4)));
  assert.equal(word(3), 1n, 'msg_iovlen');
  assert.notEqual(word(2), 0n, 'msg_iov');
  assert.notEqual(word(4), 0n, 'msg_control');
  assert.equal(word(0), 0n, 'no msg_name');
});
