// One accepted client connection on the server side: its socket, credentials,
// subscriptions, rate-limited log and the outcome of its last command.
import { isSyscallError } from '../kernel/sys/errors.js';
import { MessageBuffer, recvmsgWithCred, send, type ReceivedMessage, type Ucred } from '../kernel/sys/socket.js';
import type { LogLimiter } from './log-limiter.js';
import type { SubscriptionKind } from './protocol.js';
import type { Watch } from '../kernel/fd-poller.js';
import { NO_OUTCOME, type Outcome } from './outcome.js';

/** Room for any datagram we accept (52 bytes) and enough to see that a longer one is longer. */
const RECV_BYTES = 64;

type ReadResult = { kind: 'message'; message: ReceivedMessage } | { kind: 'empty' } | { kind: 'eof' };
export type SendResult = 'sent' | 'queue-full' | 'gone';

export class Connection {
  readonly subscriptions = new Set<SubscriptionKind>();
  /** Every sender pid seen on this connection (SO_PEERCRED at accept, then SCM_CREDENTIALS). */
  readonly pids = new Set<number>();
  watch: Watch | undefined;
  /** What became of the last command without a reply (REAPD_OUTCOME, outcome.ts). */
  outcome: Outcome = NO_OUTCOME;
  closed = false;
  private readonly buffer = new MessageBuffer(RECV_BYTES);

  constructor(
    readonly id: number,
    readonly fd: number,
    readonly peer: Ucred,
    readonly limiter: LogLimiter,
  ) {
    this.pids.add(peer.pid);
  }

  /** Next datagram, non-blocking. A 0-byte read without credentials is the end of the stream
   * (an empty datagram from the peer still carries SCM_CREDENTIALS). */
  read(): ReadResult {
    try {
      const message = recvmsgWithCred(this.fd, this.buffer);
      if (message.length === 0 && !message.cred) return { kind: 'eof' };
      return { kind: 'message', message };
    } catch (e) {
      if (isSyscallError(e, 'EAGAIN', 'EINTR')) return { kind: 'empty' };
      if (isSyscallError(e, 'ECONNRESET', 'EBADF', 'ENOTCONN')) return { kind: 'eof' };
      throw e;
    }
  }

  send(data: Uint8Array): SendResult {
    if (this.closed) return 'gone';
    try {
      send(this.fd, data);
      return 'sent';
    } catch (e) {
      if (isSyscallError(e, 'EAGAIN', 'ENOBUFS')) return 'queue-full';
      if (isSyscallError(e, 'EPIPE', 'ECONNRESET', 'ENOTCONN', 'EBADF')) return 'gone';
      throw e;
    }
  }

  describe(): string {
    return `client #${this.id} (pid ${this.peer.pid}, uid ${this.peer.uid})`;
  }
}
