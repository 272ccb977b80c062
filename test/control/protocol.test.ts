// The codec against the spec table (shared/spec/lmkd-protocol.md): every command, every
// validation rule, the replies and the byte-packed kill statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeCommand, encode, encodeReply, LMK, MAX_INBOUND_BYTES, packWords, type Command, type ProtocolErrorCode,
} from '../../src/control/protocol.js';
import { decodeKillStat, encodeKillStat, killReasonFor, killStatFromRecord, KILL_REASON, type KillStat } from '../../src/control/kill-stat.js';
import { decodeServerMessage } from '../../src/control/replies.js';
import type { KillRecord } from '../../src/model/kill-record.js';

function ok(words: number[]): Command {
  const r = decodeCommand(packWords(words));
  assert.ok(r.ok, `expected ${JSON.stringify(words)} to decode, got ${r.ok ? '' : r.error.message}`);
  return r.value;
}

function err(data: Uint8Array | number[], code: ProtocolErrorCode): void {
  const r = decodeCommand(Array.isArray(data) ? packWords(data) : data);
  assert.equal(r.ok, false, `expected ${code} for ${JSON.stringify(Array.from(data))}`);
  if (!r.ok) assert.equal(r.error.code, code, r.error.message);
}

test('words are big-endian int32', () => {
  assert.deepEqual(Array.from(packWords([1, -1, 0x01020304])), [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
});

test('command numbers: Android 14 plus PROCS_PRIO = 11', () => {
  assert.deepEqual(
    [LMK.TARGET, LMK.PROCPRIO, LMK.PROCREMOVE, LMK.PROCPURGE, LMK.GETKILLCNT, LMK.SUBSCRIBE, LMK.PROCKILL, LMK.UPDATE_PROPS, LMK.STAT_KILL_OCCURRED, LMK.START_MONITORING, LMK.BOOT_COMPLETED, LMK.PROCS_PRIO],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
});

test('LMK_TARGET: 1 to 6 pairs, minfree in pages ascending, adj in range', () => {
  assert.deepEqual(ok([0, 1536, 0]), { cmd: 'target', levels: [{ minfreePages: 1536, adj: 0 }] });
  const six = [0, 100, 0, 200, 100, 300, 200, 400, 300, 500, 900, 600, 1000];
  const t = ok(six);
  assert.equal(t.cmd === 'target' && t.levels.length, 6);
  assert.equal(encode.target([{ minfreePages: 1536, adj: 0 }, { minfreePages: 2048, adj: 100 }]).length, 20);
  err([0], 'bad-target'); // 0 pairs
  err([0, 100, 0, 200], 'wrong-length'); // odd argument count
  err([0, 100, 0, 200, 100, 300, 200, 400, 300, 500, 900, 600, 1000, 700], 'too-long'); // 7 pairs = 60 bytes
  err([0, 200, 0, 100, 100], 'bad-target'); // descending minfree
  err([0, 200, 0, 200, 100], 'bad-target'); // equal minfree is not ascending
  err([0, -5, 0], 'bad-target'); // negative minfree
  err([0, 100, 1001], 'bad-adj');
  err([0, 100, -1001], 'bad-adj');
});

test('LMK_PROCPRIO: 3 or 4 arguments, adj in [-1000, 1000], ptype 0/1, pid > 0', () => {
  assert.deepEqual(ok([1, 42, 10001, 900]), { cmd: 'procprio', proc: { pid: 42, uid: 10001, adj: 900, processType: 0 } });
  assert.deepEqual(ok([1, 42, 10001, -1000, 1]), { cmd: 'procprio', proc: { pid: 42, uid: 10001, adj: -1000, processType: 1 } });
  assert.deepEqual(ok([1, 42, 0, 1000, 0]), { cmd: 'procprio', proc: { pid: 42, uid: 0, adj: 1000, processType: 0 } });
  err([1, 42, 0], 'wrong-length');
  err([1, 42, 0, 0, 0, 0], 'wrong-length');
  err([1, 42, 0, 1001], 'bad-adj');
  err([1, 42, 0, -1001], 'bad-adj');
  err([1, 42, 0, 0, 2], 'bad-process-type');
  err([1, 0, 0, 0], 'bad-pid');
  err([1, -7, 0, 0], 'bad-pid');
  const round = decodeCommand(encode.procPrio({ pid: 7, uid: 8, adj: -9, processType: 1 }));
  assert.deepEqual(round, { ok: true, value: { cmd: 'procprio', proc: { pid: 7, uid: 8, adj: -9, processType: 1 } } });
});

test('LMK_PROCREMOVE, LMK_PROCPURGE, LMK_GETKILLCNT, LMK_SUBSCRIBE: exact lengths', () => {
  assert.deepEqual(ok([2, 42]), { cmd: 'procremove', pid: 42 });
  err([2], 'wrong-length');
  err([2, 42, 1], 'wrong-length');
  err([2, 0], 'bad-pid');
  assert.deepEqual(ok([3]), { cmd: 'procpurge' });
  err([3, 1], 'wrong-length');
  assert.deepEqual(ok([4, 0, 1000]), { cmd: 'getkillcnt', minAdj: 0, maxAdj: 1000 });
  err([4, 0], 'wrong-length');
  err([4, 0, 1, 2], 'wrong-length');
  assert.deepEqual(ok([5, 0]), { cmd: 'subscribe', kind: 'kill' });
  assert.deepEqual(ok([5, 1]), { cmd: 'subscribe', kind: 'stat' });
  assert.deepEqual(ok([5, 16]), { cmd: 'subscribe', kind: 'warning' }, "reapd's extension");
  err([5, 2], 'bad-event');
  err([5, 15], 'bad-event');
  err([5, -1], 'bad-event');
  err([5], 'wrong-length');
});

test('LMK_UPDATE_PROPS, LMK_START_MONITORING, LMK_BOOT_COMPLETED take no arguments', () => {
  assert.deepEqual(ok([7]), { cmd: 'update_props' });
  assert.deepEqual(ok([9]), { cmd: 'start_monitoring' });
  assert.deepEqual(ok([10]), { cmd: 'boot_completed' });
  err([7, 0], 'wrong-length');
  err([9, 0], 'wrong-length');
  err([10, 0], 'wrong-length');
});

test('LMK_PROCS_PRIO: 1 to 3 quadruples, each validated on its own (not atomic)', () => {
  const c = ok([11, 10, 1, 100, 0, 11, 2, 2000, 0, 12, 3, 300, 1]);
  assert.equal(c.cmd, 'procs_prio');
  if (c.cmd !== 'procs_prio') return;
  assert.deepEqual(c.procs.map((p) => p.pid), [10, 12]);
  assert.deepEqual(c.rejected.map((e) => e.code), ['bad-adj']);
  err([11], 'wrong-length'); // k = 0
  err([11, 10, 1, 100], 'wrong-length'); // not a multiple of 4
  err([11, ...Array(16).fill(1)], 'too-long'); // k = 4: 68 bytes
  const enc = encode.procsPrio([{ pid: 5, uid: 6, adj: 7, processType: 0 }]);
  assert.deepEqual(decodeCommand(enc), { ok: true, value: { cmd: 'procs_prio', procs: [{ pid: 5, uid: 6, adj: 7, processType: 0 }], rejected: [] } });
});

test('framing: too short, too long, unaligned, unknown commands, server-only commands', () => {
  err(new Uint8Array(0), 'too-short');
  err(new Uint8Array(3), 'too-short');
  err(new Uint8Array(MAX_INBOUND_BYTES + 4), 'too-long');
  err(new Uint8Array(6), 'unaligned');
  err([12], 'unknown-command');
  err([-1], 'unknown-command');
  err([6, 1, 2], 'unknown-command'); // LMK_PROCKILL only flows server -> client
  err([8], 'unknown-command');
});

test('the decoder never throws and rejects anything over 52 bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const r = decodeCommand(bytes);
      if (bytes.length > MAX_INBOUND_BYTES) assert.equal(r.ok, false);
      if (bytes.length % 4 !== 0) assert.equal(r.ok, false);
    }),
    { seed: 2024, numRuns: 2000 },
  );
});

test('valid PROCPRIO records survive encode -> decode', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 22 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(0, 1), (pid, uid, adj, processType) => {
      assert.deepEqual(decodeCommand(encode.procPrio({ pid, uid, adj, processType })), { ok: true, value: { cmd: 'procprio', proc: { pid, uid, adj, processType } } });
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('replies: GETKILLCNT, UPDATE_PROPS, BOOT_COMPLETED, PROCKILL, REAPD_WARNING and REAPD_OUTCOME', () => {
  assert.deepEqual(Array.from(encodeReply.killCount(3)), [0, 0, 0, 4, 0, 0, 0, 3]);
  assert.deepEqual(Array.from(encodeReply.updateProps(false)), [0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(Array.from(encodeReply.procKill(4242, 10001)), [0, 0, 0, 6, 0, 0, 0x10, 0x92, 0, 0, 0x27, 0x11]);
  assert.deepEqual(decodeServerMessage(encodeReply.killCount(9)), { ok: true, value: { cmd: 'killcnt', count: 9 } });
  assert.deepEqual(decodeServerMessage(encodeReply.updateProps(true)), { ok: true, value: { cmd: 'update_props', result: 0 } });
  assert.deepEqual(decodeServerMessage(encodeReply.bootCompleted(0)), { ok: true, value: { cmd: 'boot_completed', result: 0 } });
  assert.deepEqual(decodeServerMessage(encodeReply.procKill(1, 2)), { ok: true, value: { cmd: 'prockill', pid: 1, uid: 2 } });
  assert.equal(decodeServerMessage(packWords([4, 1, 2])).ok, false);
  assert.equal(decodeServerMessage(packWords([1, 1])).ok, false);
  assert.deepEqual(Array.from(encode.subscribe('warning')), [0, 0, 0, 5, 0, 0, 0, 16]);
  const warning = { pid: 4242, uid: 10001, rank: 1, sizeKiB: 61440, headroomKiB: -2048 };
  assert.deepEqual(decodeServerMessage(encodeReply.warning(warning)), { ok: true, value: { cmd: 'warning', ...warning } });
  const huge = decodeServerMessage(encodeReply.warning({ ...warning, sizeKiB: 2 ** 40 }));
  assert.equal(huge.ok ? (huge.value as { sizeKiB: number }).sizeKiB : undefined, 2 ** 31 - 1, 'clamped to int32');
  assert.equal(decodeServerMessage(packWords([64, 1, 2, 3, 4])).ok, false, 'a short REAPD_WARNING');
  // reapd's outcome query: `65` in, `65, command, status, detail` out.
  assert.deepEqual(decodeCommand(encode.outcome()), { ok: true, value: { cmd: 'outcome' } });
  assert.equal(decodeCommand(packWords([65, 1])).ok, false, 'REAPD_OUTCOME takes no argument');
  assert.deepEqual(Array.from(encodeReply.outcome({ command: 0, status: 1, detail: 250 })), [0, 0, 0, 65, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 250]);
  assert.deepEqual(decodeServerMessage(encodeReply.outcome({ command: 1, status: 3, detail: 4242 })), { ok: true, value: { cmd: 'outcome', command: 1, status: 3, detail: 4242 } });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeServerMessage(b)), { seed: 3, numRuns: 1000 });
});

const STAT: KillStat = {
  pgfault: 1, pgmajfault: 2, rssBytes: 3 * 2 ** 32, cacheBytes: 4, swapBytes: -1, startTimeNs: 6,
  uid: 10001, oomScore: 900, minOomScore: 800, freeMemKiB: 1024, freeSwapKiB: 0, killReason: KILL_REASON.LOW_MEM, thrashing: 7, maxThrashing: 8,
  taskName: 'com.example',
};

test('LMK_STAT_KILL_OCCURRED: byte layout exactly as lmkd packs it', () => {
  const b = Buffer.from(encodeKillStat(STAT));
  assert.equal(b.length, 4 + 48 + 32 + 2 + 'com.example'.length + 1);
  assert.equal(b.readInt32BE(0), 8);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => b.readBigInt64BE(4 + 8 * i)), [1n, 2n, 3n * 2n ** 32n, 4n, -1n, 6n]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => b.readInt32BE(52 + 4 * i)), [10001, 900, 800, 1024, 0, 8, 7, 8]);
  assert.equal(b.readInt16BE(84), 11);
  assert.equal(b.subarray(86, 97).toString(), 'com.example');
  assert.equal(b[97], 0);
  assert.deepEqual(decodeKillStat(b), { ok: true, value: STAT });
});

test('LMK_STAT_KILL_OCCURRED: names cut to 127 bytes on a character boundary, 214 bytes at most', () => {
  const long = encodeKillStat({ ...STAT, taskName: 'x'.repeat(300) });
  assert.equal(long.length, 214);
  assert.equal(Buffer.from(long).readInt16BE(84), 127);
  const utf = encodeKillStat({ ...STAT, taskName: 'x'.repeat(126) + 'é' }); // é is 2 bytes: cannot fit at 126
  assert.equal(Buffer.from(utf).readInt16BE(84), 126);
  const d = decodeServerMessage(long);
  assert.ok(d.ok && d.value.cmd === 'stat' && d.value.stat.taskName === 'x'.repeat(127));
  assert.equal(decodeKillStat(long.subarray(0, 80)).ok, false);
});

test('kill statistics from a kill record: uid and adj from the registration, -1 when unknown', () => {
  const record: KillRecord = {
    time: '2025-01-01T00:00:00.000Z', pid: 42, name: 'hog', uid: 0, oomScoreAdj: 0, sizeKiB: 2048, anonKiB: 2000,
    policy: 'lmkd', reason: 'level', reaped: true, reapMs: 1, exitMs: 2, dryRun: false,
  };
  const s = killStatFromRecord(record, 10001, 900, { freeMemKiB: 5000 });
  assert.equal(s.uid, 10001);
  assert.equal(s.oomScore, 900);
  assert.equal(s.rssBytes, 2048 * 1024);
  assert.equal(s.pgfault, -1);
  assert.equal(s.freeMemKiB, 5000);
  assert.equal(s.killReason, KILL_REASON.LOW_MEM);
  assert.equal(killReasonFor('low-swap'), KILL_REASON.LOW_MEM_AND_SWAP);
  assert.equal(killReasonFor('none'), KILL_REASON.NONE);
});
