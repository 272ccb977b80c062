// The lmkd-compatible control socket (docs/control-socket.md): a SOCK_SEQPACKET unix
// socket, one datagram per command, the sender's pid from SCM_CREDENTIALS on every
// message. The daemon creates one ControlServer, wires its hooks (onTarget,
// onUpdateProps, onStartMonitoring), passes registry() to the lmkd policy and reports
// every kill through notifyKill().
import { chmodSync, statSync, unlinkSync } from 'node:fs';
import type { Clock } from '../engine/ports.js';
import type { LogLevel } from '../model/log-level.js';
import type { KillRecord } from '../model/kill-record.js';
import type { RegistryEntry } from '../policy/types.js';
import type { Level } from '../policy/table.js';
import { systemClock } from '../kernel/clock.js';
import { close, POLLERR, POLLHUP, POLLIN, POLLNVAL } from '../kernel/sys/io.js';
import { errorCode, isSyscallError } from '../kernel/sys/errors.js';
import { accept, bindUnix, listen, peerCred, seqpacketSocket, setsockoptInt, SO_PASSCRED, SOL_SOCKET } from '../kernel/sys/socket.js';
import { handleCommand, logProtocolError, type CommandContext, type ControlHooks } from './commands.js';
import { Connection, type SendResult } from './connection.js';
import { ControlError } from './errors.js';
import { KillCounters } from './kill-counters.js';
import { encodeKillStat, killStatFromRecord, type KillStatExtras } from './kill-stat.js';
import { LogLimiter } from './log-limiter.js';
import { procAccess, type ProcessAccess } from './proc-access.js';
import { decodeCommand, encodeReply, MAX_INBOUND_BYTES } from './protocol.js';

/** A warning before a kill, as the daemon's warning stage gives it (daemon/warning.ts). */
interface ControlWarning {
  headroomKiB: number;
  /** The next victims, first first. */
  next: ReadonlyArray<{ pid: number; uid: number; sizeKiB: number }>;
}
import { FdPoller } from '../kernel/fd-poller.js';
import { Registry } from './registry.js';
import { DEFAULT_SOCKET_PATH, prepareSocketPath } from './socket-path.js';

type ControlLog = (level: LogLevel, event: string, message: string, fields?: Record<string, unknown>) => void;

export interface ControlServerOptions {
  path?: string;
  /** Socket file mode (lmkd: 0660). */
  mode?: number;
  /** lmkd's MAX_DATA_CONN: 3. */
  maxConnections?: number;
  log?: ControlLog;
  clock?: Clock;
  onTarget?: (levels: Level[]) => boolean | void;
  onUpdateProps?: () => Promise<boolean>;
  onStartMonitoring?: () => void;
  /** Datagrams handled per connection per wake-up before the others get a turn. */
  burstPerConnection?: number;
  /** Log lines per connection per second before the rest are counted, not written. */
  logLinesPerSecond?: number;
  /** Whether a line at this level is written at all (the daemon's log level): lines that are not do not count against the limit. */
  logEnabled?: (level: 'debug' | 'info' | 'warn' | 'error') => boolean;
  /** Kernel access for registrations (tests may script it). */
  access?: ProcessAccess;
  /** The daemon's pid, which (like pid 1) no client may register (default: this process). */
  selfPid?: number;
}

export class ControlServer implements ControlHooks {
  readonly path: string;
  private readonly mode: number;
  private readonly maxConnections: number;
  private readonly logFn: ControlLog;
  private readonly logEnabled: ((level: 'debug' | 'info' | 'warn' | 'error') => boolean) | undefined;
  private readonly clock: Clock;
  private readonly burst: number;
  private readonly linesPerSecond: number;
  private readonly access: ProcessAccess;
  private readonly poller: FdPoller;
  private readonly reg: Registry;
  private readonly counters = new KillCounters();
  private readonly conns = new Map<number, Connection>();
  private readonly ctx: CommandContext;
  private listenFd = -1;
  private socketIno: number | undefined;
  private nextId = 1;
  private state: 'new' | 'listening' | 'closed' = 'new';

  onTarget?: (levels: Level[]) => boolean | void;
  onUpdateProps?: () => Promise<boolean>;
  onStartMonitoring?: () => void;

  constructor(opts: ControlServerOptions = {}) {
    this.path = opts.path ?? DEFAULT_SOCKET_PATH;
    this.mode = opts.mode ?? 0o660;
    this.maxConnections = opts.maxConnections ?? 3;
    this.logFn = opts.log ?? (() => undefined);
    this.logEnabled = opts.logEnabled;
    this.clock = opts.clock ?? systemClock;
    this.burst = opts.burstPerConnection ?? 64;
    this.linesPerSecond = opts.logLinesPerSecond ?? 10;
    this.access = opts.access ?? procAccess();
    this.onTarget = opts.onTarget;
    this.onUpdateProps = opts.onUpdateProps;
    this.onStartMonitoring = opts.onStartMonitoring;
    this.poller = new FdPoller({ dropFailedFds: false, log: (level, event, message) => this.logFn(level, `control.${event}`, `control socket: ${message}`) });
    this.reg = new Registry({
      access: this.access,
      nowMs: () => this.clock.nowMs(),
      watch: (pid, pidfd) => this.poller.watch(pidfd, POLLIN, () => this.processExited(pid, pidfd)),
      release: (pidfd) => this.poller.release(pidfd, () => this.access.closeFd(pidfd)),
      protectedPids: new Set([1, opts.selfPid ?? process.pid]),
    });
    this.ctx = {
      registry: this.reg,
      counters: this.counters,
      nowMs: () => this.clock.nowMs(),
      isLive: (pid) => this.isLive(pid),
      reply: (conn, data) => this.sendTo(conn, data, 'reply'),
      hooks: () => this,
      lastTargetMs: undefined,
    };
  }

  /** Create the socket (parent directory included), chmod it, listen, start serving. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ControlError('socket-setup', `control server already ${this.state}`);
    prepareSocketPath(this.path);
    const fd = seqpacketSocket();
    try {
      // Inherited by accepted sockets; every datagram then carries the sender's credentials.
      setsockoptInt(fd, SOL_SOCKET, SO_PASSCRED, 1);
      bindUnix(fd, this.path);
      chmodSync(this.path, this.mode);
      this.socketIno = statSync(this.path).ino;
      listen(fd, this.maxConnections);
    } catch (e) {
      close(fd);
      throw e instanceof ControlError ? e : new ControlError('socket-setup', `cannot listen on ${this.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.listenFd = fd;
    this.state = 'listening';
    this.poller.watch(fd, POLLIN, () => this.acceptAll());
    this.logFn('info', 'control.listening', `lmkd control socket listening on ${this.path} (mode ${this.mode.toString(8)}, at most ${this.maxConnections} connections)`, {
      path: this.path,
    });
    await Promise.resolve();
  }

  /** Drop every connection, stop polling, close every fd, remove the socket file. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasListening = this.state === 'listening';
    this.state = 'closed';
    for (const conn of [...this.conns.values()]) this.closeConnection(conn, 'server closing');
    if (this.listenFd >= 0) {
      const fd = this.listenFd;
      this.listenFd = -1;
      this.poller.release(fd, () => close(fd));
    }
    this.reg.clear();
    await this.poller.stop();
    if (wasListening) this.removeSocketFile();
  }

  /** The registered processes, for the lmkd policy (an immutable snapshot). */
  registry(): ReadonlyMap<number, RegistryEntry> {
    return this.reg.entries();
  }

  /** LMK_GETKILLCNT semantics. */
  killCount(minAdj: number, maxAdj: number): number {
    return this.counters.count(minAdj, maxAdj);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /**
   * A process was killed: count it at its adj, send LMK_PROCKILL (pid, uid) to kill
   * subscribers and LMK_STAT_KILL_OCCURRED to stat subscribers, forget its registration.
   * A registered process is reported with the uid and adj its client registered, also when
   * it exited (and was dropped) up to 10 s before the report. Dry runs and records with
   * `killed: false` killed nothing and are not reported.
   */
  notifyKill(record: KillRecord, stats?: KillStatExtras): void {
    // Dry runs and kills that did not happen (killed: false, e.g. identity-changed) killed nothing.
    if (record.dryRun || record.killed === false || this.state === 'closed') return;
    // Usually the victim has exited by now and its pidfd already dropped the record; the
    // registry remembers it briefly so the report carries the registered uid and adj.
    const reg = this.reg.takeForKill(record.pid);
    const uid = reg?.uid ?? record.uid;
    const adj = reg?.oomScoreAdj ?? record.oomScoreAdj;
    this.counters.record(adj);
    const prockill = encodeReply.procKill(record.pid, uid);
    let stat: Uint8Array | undefined;
    for (const conn of this.conns.values()) {
      if (conn.subscriptions.has('kill')) this.sendTo(conn, prockill, 'LMK_PROCKILL');
      if (conn.subscriptions.has('stat')) {
        stat ??= encodeKillStat(killStatFromRecord(record, uid, adj, stats, reg?.taskName));
        this.sendTo(conn, stat, 'LMK_STAT_KILL_OCCURRED');
      }
    }
  }

  /**
   * A warning before a kill: to each connection subscribed to event 16 (reapd's, not
   * lmkd's), one REAPD_WARNING per next victim, rank 1 first, with the uid its client
   * registered (as LMK_PROCKILL). Nothing goes to a connection that did not subscribe.
   */
  notifyWarning(w: ControlWarning): void {
    if (this.state === 'closed') return;
    const subscribers = [...this.conns.values()].filter((c) => c.subscriptions.has('warning'));
    if (subscribers.length === 0) return;
    const messages = w.next.map((p, i) => encodeReply.warning({ pid: p.pid, uid: this.reg.get(p.pid)?.entry.uid ?? p.uid, rank: i + 1, sizeKiB: p.sizeKiB, headroomKiB: w.headroomKiB }));
    for (const conn of subscribers) for (const m of messages) this.sendTo(conn, m, 'REAPD_WARNING');
  }

  private isLive(pid: number): boolean {
    for (const conn of this.conns.values()) if (conn.pids.has(pid)) return true;
    return false;
  }

  private acceptAll(): void {
    for (;;) {
      let fd: number;
      try {
        fd = accept(this.listenFd);
      } catch (e) {
        if (!isSyscallError(e, 'EAGAIN', 'EINTR', 'ECONNABORTED')) this.logFn('error', 'control.accept', `accept on ${this.path} failed: ${String(e)}`);
        return;
      }
      this.adopt(fd);
    }
  }

  private adopt(fd: number): void {
    if (this.conns.size >= this.maxConnections) {
      // lmkd's rule: drop every existing data connection and accept the new one, so idle
      // clients cannot monopolize the socket (a real process manager reconnects at once).
      this.logFn('warn', 'control.connection-limit', `connection limit (${this.maxConnections}) reached: dropping all ${this.conns.size} connections to accept a new one, as lmkd does`);
      for (const conn of [...this.conns.values()]) this.closeConnection(conn, 'connection limit reached');
    }
    let peer;
    try {
      setsockoptInt(fd, SOL_SOCKET, SO_PASSCRED, 1);
      peer = peerCred(fd);
    } catch (e) {
      this.logFn('warn', 'control.accept', `new connection dropped: ${String(e)}`);
      close(fd);
      return;
    }
    const id = this.nextId++;
    const limiter = new LogLimiter(this.logFn, () => this.clock.nowMs(), this.linesPerSecond, 1000, { client: id, clientPid: peer.pid }, this.logEnabled);
    const conn = new Connection(id, fd, peer, limiter);
    this.conns.set(id, conn);
    conn.watch = this.poller.watch(fd, POLLIN, (revents) => this.readable(conn, revents));
    this.logFn('info', 'control.connected', `${conn.describe()} connected (${this.conns.size}/${this.maxConnections})`, { client: id, clientPid: peer.pid, uid: peer.uid });
  }

  private readable(conn: Connection, revents: number): void {
    for (let n = 0; n < this.burst && !conn.closed; n++) {
      const r = conn.read();
      if (r.kind === 'empty') {
        if (revents & (POLLERR | POLLNVAL | POLLHUP) && n === 0 && !(revents & POLLIN)) this.closeConnection(conn, 'socket error');
        return;
      }
      if (r.kind === 'eof') {
        this.closeConnection(conn, 'client closed the connection');
        return;
      }
      const { message } = r;
      const sender = message.cred?.pid ?? conn.peer.pid;
      conn.pids.add(sender);
      if (message.closedFds > 0) conn.limiter.line('warn', 'control.bad-datagram', `${conn.describe()}: closed ${message.closedFds} file descriptor(s) passed with a datagram`);
      if (message.length > MAX_INBOUND_BYTES) {
        const command = message.data.length >= 4 ? message.data.readInt32BE(0) : undefined;
        logProtocolError(conn, { code: 'too-long', command, length: message.length, message: `${message.length} bytes exceeds ${MAX_INBOUND_BYTES}` }, sender);
        continue;
      }
      const decoded = decodeCommand(message.data);
      if (!decoded.ok) {
        logProtocolError(conn, decoded.error, sender);
        continue;
      }
      try {
        handleCommand(this.ctx, conn, sender, decoded.value);
      } catch (e) {
        conn.limiter.line('error', 'control.error', `${conn.describe()}: handling ${decoded.value.cmd} failed: ${String(e)}`);
      }
    }
  }

  private sendTo(conn: Connection, data: Uint8Array, what: string): void {
    let result: SendResult;
    try {
      result = conn.send(data);
    } catch (e) {
      conn.limiter.line('error', 'control.send', `${conn.describe()}: sending ${what} failed: ${String(e)}`);
      return;
    }
    if (result === 'queue-full') {
      conn.limiter.line('warn', 'control.send', `${conn.describe()} is not reading its socket: ${what} dropped`);
    } else if (result === 'gone') {
      this.closeConnection(conn, 'client went away');
    }
  }

  private closeConnection(conn: Connection, why: string): void {
    if (conn.closed) return;
    conn.closed = true;
    this.conns.delete(conn.id);
    this.poller.release(conn.fd, () => close(conn.fd));
    conn.limiter.flush();
    let released = 0;
    for (const pid of conn.pids) if (!this.isLive(pid)) released += this.reg.releaseOwner(pid);
    this.logFn('info', 'control.disconnected', `${conn.describe()} disconnected: ${why}${released ? `; ${released} record(s) now unclaimed` : ''}`, {
      client: conn.id,
      released,
    });
  }

  private processExited(pid: number, pidfd: number): void {
    const rec = this.reg.exited(pid, pidfd);
    if (rec) this.logFn('debug', 'control.exited', `registered pid ${pid} exited; registration dropped`, { pid });
  }

  private removeSocketFile(): void {
    try {
      // Only our own socket: a newer server may have replaced the file.
      if (statSync(this.path).ino === this.socketIno) unlinkSync(this.path);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') this.logFn('warn', 'control.close', `could not remove ${this.path}: ${String(e)}`);
    }
  }
}
