// A typed client for reapd's lmkd-compatible control socket (`import { LmkdClient } from
// 'reapd/client'`), for process managers that register their children:
//
//   const lmkd = await LmkdClient.connect('/run/reapd/lmkd.sock');
//   await lmkd.subscribe('kill');
//   lmkd.onKill(({ pid, uid }) => console.log(`reapd killed ${pid} (uid ${uid})`));
//   await lmkd.procPrio(child.pid, process.getuid(), 900);
//   console.log(await lmkd.getKillCount(900, 1000));
//   await lmkd.close();
//
// Commands without a reply resolve once the datagram is handed to the kernel; the server
// never answers with errors (lmkd's protocol) and logs what it refused. Each client
// connection counts against the server's limit of 3 (a 4th makes the server drop all).
import { isSyscallError } from '../kernel/sys/errors.js';
import { close } from '../kernel/sys/io.js';
import { connectUnix, seqpacketSocket } from '../kernel/sys/socket.js';
import { PAGE_SIZE_KIB } from '../model/units.js';
import { ClientConnection } from './client-connection.js';
import { ControlError } from './errors.js';
import type { KillStat } from './kill-stat.js';
import type { Outcome } from './outcome.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../model/limits.js';
import { encode, MAX_PROCS_PRIO, MAX_TARGETS, PROC_TYPE, type ProcPrio, type SubscriptionKind, type WarningEvent } from './protocol.js';
import { threadNowMs } from '../kernel/clock.js';
import { FdPoller } from '../kernel/fd-poller.js';
import { DEFAULT_SOCKET_PATH } from './socket-path.js';

export { ControlError } from './errors.js';
export type { KillStat } from './kill-stat.js';
export { describeOutcome, OUTCOME_STATUS, type Outcome } from './outcome.js';
export { DEFAULT_SOCKET_PATH } from './socket-path.js';
export type { SubscriptionKind, WarningEvent } from './protocol.js';

export interface KillEvent {
  pid: number;
  uid: number;
}

export type ProcessType = 'app' | 'service' | 0 | 1;

export interface ProcPrioRequest {
  pid: number;
  uid: number;
  adj: number;
  type?: ProcessType;
}

export interface LmkdClientOptions {
  /** How long to wait for GETKILLCNT / UPDATE_PROPS replies, ms (default 5000). */
  replyTimeoutMs?: number;
  /** How long to retry while the server's listen backlog is full, ms (default 2000). */
  connectTimeoutMs?: number;
}

let sharedPoller: FdPoller | undefined;

/** One poll loop for every client in the process; it idles (no pool thread) when none is connected. */
function poller(): FdPoller {
  sharedPoller ??= new FdPoller({ dropFailedFds: false });
  return sharedPoller;
}

function int32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) throw new ControlError('bad-argument', `${name} ${v} is not a 32-bit integer`);
  return v;
}

function adjArg(v: number): number {
  if (!Number.isInteger(v) || v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) throw new ControlError('bad-argument', `adj ${v} is outside [-1000, 1000]`);
  return v;
}

function processType(t: ProcessType | undefined): number {
  if (t === undefined || t === 'app' || t === 0) return PROC_TYPE.APP;
  if (t === 'service' || t === 1) return PROC_TYPE.SERVICE;
  throw new ControlError('bad-argument', `process type ${String(t)} is neither app (0) nor service (1)`);
}

function procPrioArg(r: ProcPrioRequest): ProcPrio {
  return { pid: int32('pid', r.pid), uid: int32('uid', r.uid), adj: adjArg(r.adj), processType: processType(r.type) };
}

async function connectFd(path: string, timeoutMs: number): Promise<number> {
  const deadline = threadNowMs() + timeoutMs;
  for (;;) {
    const fd = seqpacketSocket();
    try {
      connectUnix(fd, path);
      return fd;
    } catch (e) {
      close(fd);
      // EAGAIN: the listen backlog is full; the server accepts soon.
      if (isSyscallError(e, 'EAGAIN') && threadNowMs() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const code = isSyscallError(e) ? e.code : String(e);
      const hint = code === 'ENOENT' || code === 'ECONNREFUSED' ? ' (is `reapd run` running with the control socket enabled?)' : code === 'EACCES' ? ' (the socket is mode 0660: run as its owner or group)' : '';
      throw new ControlError('connect-failed', `cannot connect to ${path}: ${code}${hint}`);
    }
  }
}

export class LmkdClient {
  private readonly conn: ClientConnection;

  private constructor(conn: ClientConnection) {
    this.conn = conn;
  }

  /** Connect to a reapd (or lmkd) control socket. */
  static async connect(path: string = DEFAULT_SOCKET_PATH, opts: LmkdClientOptions = {}): Promise<LmkdClient> {
    const fd = await connectFd(path, opts.connectTimeoutMs ?? 2000);
    return new LmkdClient(new ClientConnection(fd, poller(), opts.replyTimeoutMs ?? 5000));
  }

  /** Resolves when the connection ends (our close(), or the server dropped us). */
  get closed(): Promise<void> {
    return this.conn.closedPromise;
  }

  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  /** LMK_TARGET: up to 6 levels, minfree ascending; sizes in KiB, sent as 4 KiB pages (rounded up). */
  target(levels: ReadonlyArray<{ minfreeKiB: number; adj: number }>): Promise<void> {
    if (levels.length < 1 || levels.length > MAX_TARGETS) throw new ControlError('bad-argument', `give 1..${MAX_TARGETS} levels, not ${levels.length}`);
    const pages = levels.map((l) => ({ minfreePages: int32('minfree pages', Math.ceil(l.minfreeKiB / PAGE_SIZE_KIB)), adj: adjArg(l.adj) }));
    return this.conn.send(encode.target(pages));
  }

  /** LMK_PROCPRIO: register (or update) a process at an oom_score_adj. */
  procPrio(pid: number, uid: number, adj: number, type?: ProcessType): Promise<void> {
    return this.conn.send(encode.procPrio(procPrioArg({ pid, uid, adj, type })));
  }

  /** LMK_PROCS_PRIO: many registrations, 3 per datagram (each applies on its own). */
  async procsPrio(list: readonly ProcPrioRequest[]): Promise<void> {
    const procs = list.map(procPrioArg);
    for (let i = 0; i < procs.length; i += MAX_PROCS_PRIO) await this.conn.send(encode.procsPrio(procs.slice(i, i + MAX_PROCS_PRIO)));
  }

  procRemove(pid: number): Promise<void> {
    return this.conn.send(encode.procRemove(int32('pid', pid)));
  }

  /** LMK_PROCPURGE: unregister every record this process owns (and the unclaimed ones). */
  procPurge(): Promise<void> {
    return this.conn.send(encode.procPurge());
  }

  /** Kills with minAdj <= adj <= maxAdj; with no arguments, every kill (lmkd: min > 1000). */
  getKillCount(minAdj = OOM_SCORE_ADJ_MAX + 1, maxAdj = OOM_SCORE_ADJ_MAX + 1): Promise<number> {
    return this.conn.request('killcnt', encode.getKillCount(int32('min adj', minAdj), int32('max adj', maxAdj))).then((r) => r.count);
  }

  /**
   * LMK_SUBSCRIBE: 'kill' for LMK_PROCKILL (onKill), 'stat' for kill statistics (onStat),
   * 'warning' for reapd's warnings before a kill (onWarning; not lmkd's).
   * Resolves once the server has the subscription: SUBSCRIBE has no reply, so a GETKILLCNT
   * round trip follows it (the server reads one connection in order).
   */
  async subscribe(kind: SubscriptionKind = 'kill'): Promise<void> {
    await this.conn.send(encode.subscribe(kind));
    await this.getKillCount();
  }

  /** Listen for LMK_PROCKILL (after subscribe('kill')). Returns a function that stops listening. */
  onKill(cb: (event: KillEvent) => void): () => void {
    return this.conn.listen('prockill', cb);
  }

  /** Listen for LMK_STAT_KILL_OCCURRED (after subscribe('stat')). */
  onStat(cb: (stat: KillStat) => void): () => void {
    return this.conn.listen('stat', cb);
  }

  /** Listen for REAPD_WARNING, one per next victim, rank 1 first (after subscribe('warning')). */
  onWarning(cb: (w: WarningEvent) => void): () => void {
    return this.conn.listen('warning', cb);
  }

  /** LMK_UPDATE_PROPS: ask reapd to reload its configuration; true when it did. */
  async updateProps(): Promise<boolean> {
    return (await this.conn.request('update_props', encode.updateProps())).result === 0;
  }

  startMonitoring(): Promise<void> {
    return this.conn.send(encode.startMonitoring());
  }

  /** LMK_BOOT_COMPLETED (Android 15); reapd answers 0. */
  bootCompleted(): Promise<number> {
    return this.conn.request('boot_completed', encode.bootCompleted()).then((r) => r.result);
  }

  /**
   * reapd's REAPD_OUTCOME (65, not lmkd's): what the server did with this connection's last
   * command that has no reply (TARGET, PROCPRIO, PROCS_PRIO, PROCREMOVE, …): done, refused,
   * rate-limited, dropped. undefined when the server does not know the query (lmkd ignores
   * it): a GETKILLCNT sent after it is answered first. The server reads one connection in
   * order, so the outcome is that of every command sent before this call.
   */
  async outcome(): Promise<Outcome | undefined> {
    let answered: Outcome | undefined;
    const query = this.conn.request('outcome', encode.outcome()).then(
      ({ command, status, detail }) => void (answered = { command, status, detail }),
      () => undefined, // lmkd: never answered; closing the connection settles it
    );
    await this.getKillCount();
    // The outcome reply, if any, came before the killcnt reply and settled `query` first.
    await Promise.race([query, Promise.resolve()]);
    return answered;
  }

  /** Send any bytes as one datagram (protocol tests, fuzzing). */
  sendRaw(data: Uint8Array): Promise<void> {
    return this.conn.send(data);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
