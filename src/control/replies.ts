// Server -> client datagrams, decoded on the client side: the replies to GETKILLCNT,
// UPDATE_PROPS, BOOT_COMPLETED and reapd's REAPD_OUTCOME, and the asynchronous PROCKILL, kill statistics and
// reapd's warnings (REAPD_WARNING).
import { decodeKillStat, type KillStat } from './kill-stat.js';
import type { Outcome, OutcomeStatus } from './outcome.js';
import { LMK, commandName, type Decoded, type WarningEvent } from './protocol.js';

export type ServerMessage =
  | { cmd: 'killcnt'; count: number }
  | { cmd: 'update_props'; result: number }
  | { cmd: 'boot_completed'; result: number }
  | { cmd: 'prockill'; pid: number; uid: number }
  | { cmd: 'stat'; stat: KillStat }
  | ({ cmd: 'warning' } & WarningEvent)
  | ({ cmd: 'outcome' } & Outcome);

const WORDS: Record<number, number> = {
  [LMK.GETKILLCNT]: 2,
  [LMK.UPDATE_PROPS]: 2,
  [LMK.BOOT_COMPLETED]: 2,
  [LMK.PROCKILL]: 3,
  [LMK.REAPD_WARNING]: 6,
  [LMK.REAPD_OUTCOME]: 4,
};

/** Decode one server -> client datagram. Never throws. */
export function decodeServerMessage(data: Uint8Array): Decoded<ServerMessage> {
  const length = data.byteLength;
  const bad = (message: string, command?: number): Decoded<ServerMessage> => ({
    ok: false,
    error: command === undefined ? { code: 'not-a-reply', length, message } : { code: 'not-a-reply', command, length, message },
  });
  if (length < 4) return bad(`reply of ${length} bytes has no command word`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const cmd = view.getInt32(0, false);
  if (cmd === LMK.STAT_KILL_OCCURRED) {
    const s = decodeKillStat(data);
    return s.ok ? { ok: true, value: { cmd: 'stat', stat: s.value } } : s;
  }
  const words = WORDS[cmd];
  if (words === undefined) return bad(`unexpected ${commandName(cmd)} from the server`, cmd);
  if (length !== words * 4) return bad(`${commandName(cmd)} reply of ${length} bytes, expected ${words * 4}`, cmd);
  const w1 = view.getInt32(4, false);
  const w = (i: number): number => view.getInt32(4 * i, false);
  switch (cmd) {
    case LMK.GETKILLCNT:
      return { ok: true, value: { cmd: 'killcnt', count: w1 } };
    case LMK.UPDATE_PROPS:
      return { ok: true, value: { cmd: 'update_props', result: w1 } };
    case LMK.BOOT_COMPLETED:
      return { ok: true, value: { cmd: 'boot_completed', result: w1 } };
    case LMK.REAPD_WARNING:
      return { ok: true, value: { cmd: 'warning', pid: w1, uid: w(2), rank: w(3), sizeKiB: w(4), headroomKiB: w(5) } };
    case LMK.REAPD_OUTCOME:
      return { ok: true, value: { cmd: 'outcome', command: w1, status: w(2) as OutcomeStatus, detail: w(3) } };
    default:
      return { ok: true, value: { cmd: 'prockill', pid: w1, uid: w(2) } };
  }
}
