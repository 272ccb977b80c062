// reapd's outcome query (command 65, REAPD_OUTCOME; not lmkd's). lmkd's protocol has no
// reply to LMK_TARGET, LMK_PROCPRIO and the other commands that change something, so a
// client cannot learn that the daemon refused or rate-limited them. The server keeps, per
// connection, what became of the last such command; `65` asks for it and is answered on
// the same connection with `65, command, status, detail`. lmkd clients never send 65 and so
// see nothing new; lmkd itself ignores 65 (an unknown command), which a client detects
// because the reply to a GETKILLCNT sent after it comes first (docs/control-socket.md).
import { constants } from 'node:os';
import { commandName, type ProtocolErrorCode } from './protocol.js';

export const OUTCOME_STATUS = {
  /** No command without a reply has been sent on this connection yet. */
  NONE: -1,
  OK: 0,
  /** LMK_TARGET less than 1000 ms after the previous accepted one; detail: ms since it. */
  RATE_LIMITED: 1,
  /** The datagram failed validation; detail: the index of its code in BAD_DATAGRAM_CODES. */
  BAD_DATAGRAM: 2,
  /** The record belongs to another live client; detail: its pid. */
  REFUSED: 3,
  /** pid 1 or reapd itself. */
  PROTECTED: 4,
  /** The process is gone. */
  GONE: 5,
  /** Not a thread-group leader; detail: its tgid. */
  NOT_LEADER: 6,
  /** pidfd_open failed; detail: the errno. */
  PIDFD_FAILED: 7,
  /** Writing oom_score_adj failed; detail: the errno. */
  ADJ_FAILED: 8,
  /** LMK_TARGET accepted, but no domain uses a minfree table (lowmemorykiller, lmkd). */
  NOT_APPLIED: 9,
} as const;

export type OutcomeStatus = (typeof OUTCOME_STATUS)[keyof typeof OUTCOME_STATUS];

/** The order is the wire's: append only. */
const BAD_DATAGRAM_CODES: readonly ProtocolErrorCode[] = [
  'too-short', 'too-long', 'unaligned', 'wrong-length', 'unknown-command', 'bad-adj', 'bad-pid', 'bad-process-type', 'bad-target', 'bad-event',
];

export interface Outcome {
  /** The command word it is about (0 LMK_TARGET, 1 LMK_PROCPRIO, …; −1 when unknown). */
  command: number;
  status: OutcomeStatus;
  detail: number;
}

export const NO_OUTCOME: Outcome = { command: -1, status: OUTCOME_STATUS.NONE, detail: 0 };

export function badDatagramOutcome(command: number | undefined, code: ProtocolErrorCode): Outcome {
  return { command: command ?? -1, status: OUTCOME_STATUS.BAD_DATAGRAM, detail: Math.max(0, BAD_DATAGRAM_CODES.indexOf(code)) };
}

/** errno name -> number for the wire (0 when unknown). */
export function errnoNumber(name: string): number {
  return (constants.errno as Record<string, number>)[name] ?? 0;
}

function errnoName(n: number): string {
  for (const [name, v] of Object.entries(constants.errno)) if (v === n) return name;
  return `errno ${n}`;
}

/** One line for a user: what the daemon did with the command. */
export function describeOutcome(o: Outcome): string {
  const what = commandName(o.command);
  switch (o.status) {
    case OUTCOME_STATUS.NONE:
      return 'nothing sent on this connection yet';
    case OUTCOME_STATUS.OK:
      return `${what}: done`;
    case OUTCOME_STATUS.RATE_LIMITED:
      return `${what} ignored: ${o.detail} ms after the previous accepted one (at most one per 1000 ms)`;
    case OUTCOME_STATUS.BAD_DATAGRAM:
      return `${what} dropped: ${BAD_DATAGRAM_CODES[o.detail] ?? 'bad datagram'} (the daemon's log has control.bad-datagram)`;
    case OUTCOME_STATUS.REFUSED:
      return `${what} refused: the record belongs to live client pid ${o.detail}`;
    case OUTCOME_STATUS.PROTECTED:
      return `${what} refused: the process is init or reapd itself`;
    case OUTCOME_STATUS.GONE:
      return `${what}: the process is gone; not registered`;
    case OUTCOME_STATUS.NOT_LEADER:
      return `${what}: not a thread-group leader (tgid ${o.detail}); not registered`;
    case OUTCOME_STATUS.PIDFD_FAILED:
      return `${what}: pidfd_open failed (${errnoName(o.detail)}); not registered`;
    case OUTCOME_STATUS.ADJ_FAILED: {
      const e = errnoName(o.detail);
      const hint = e === 'EACCES' || e === 'EPERM' ? ' (lowering oom_score_adj below 0 needs CAP_SYS_RESOURCE, which reapd lacks)' : '';
      return `${what}: writing oom_score_adj failed (${e})${hint}; not registered`;
    }
    case OUTCOME_STATUS.NOT_APPLIED:
      return `${what}: no domain uses a minfree table (policy lowmemorykiller or lmkd); nothing changed`;
  }
}
