// The processes registered over the control socket: what the lmkd policy reads (through
// ControlServer.registry()) and who owns each record.
//
// Rules (lmkd's cmd_procprio/claim_record/remove_claims, docs/control-socket.md):
// - the owner of a record is the pid of the client that sent it (SCM_CREDENTIALS);
// - only the owner changes or removes it; when the owner's connection closes the record
//   stays registered but unclaimed (owner 0) and the next client to touch it claims it;
// - pid 1 and the daemon itself are never registered (a client must not raise their
//   oom_score_adj, and no policy kills them anyway);
// - the pid must be a thread-group leader; a pidfd is opened on first registration and kept
//   (no pidfd, no registration); the record goes when the process exits (its pidfd turns
//   readable: the server polls every pidfd) or when it is killed (notifyKill);
// - the adj is written to /proc/PID/oom_score_adj; when the kernel refuses it (EACCES:
//   lowering below 0 needs CAP_SYS_RESOURCE) the registration does not stand and an earlier
//   registration of the pid is dropped too — see registerOne() for why.
import type { RegistryEntry } from '../policy/types.js';
import { errorCode } from '../kernel/sys/errors.js';
import type { ProcPrio } from './protocol.js';
import type { ProcessAccess } from './proc-access.js';

interface Registration {
  entry: RegistryEntry;
  /** Pid of the owning client; 0 once that client disconnected (claimable). */
  owner: number;
  pidfd: number;
}

export type RegisterOutcome =
  | { status: 'registered'; isNew: boolean; claimedFrom?: number }
  | { status: 'refused'; owner: number }
  | { status: 'protected' }
  | { status: 'gone' }
  | { status: 'not-leader'; tgid: number }
  | { status: 'pidfd-failed'; error: string }
  | { status: 'adj-failed'; error: string; droppedEarlier: boolean };

type RemoveOutcome = { status: 'removed' } | { status: 'not-registered' } | { status: 'refused'; owner: number };

interface RegistryHooks {
  access: ProcessAccess;
  nowMs: () => number;
  /** A new pidfd to watch for the process's exit. */
  watch(pid: number, pidfd: number): void;
  /** Stop watching and close a pidfd (the server defers the close while a poll uses it). */
  release(pidfd: number): void;
  /** Pids no client may register (their oom_score_adj is not a client's to change): init and the daemon. */
  protectedPids?: ReadonlySet<number>;
}

/** How long the registration of a process that exited is remembered for its kill report. */
export const DEPARTED_KEEP_MS = 10_000;
const DEPARTED_MAX = 1024;

export class Registry {
  private readonly records = new Map<number, Registration>();
  /** Registrations of processes that just exited: the daemon reports a kill after the victim
   * is gone (it waits for the exit), by which time the pidfd has already dropped the record. */
  private readonly departed = new Map<number, { entry: RegistryEntry; atMs: number }>();
  private view: ReadonlyMap<number, RegistryEntry> | undefined;

  constructor(private readonly hooks: RegistryHooks) {}

  get size(): number {
    return this.records.size;
  }

  get(pid: number): Registration | undefined {
    return this.records.get(pid);
  }

  /** An immutable map, rebuilt after each change (callers may hold it across awaits). */
  entries(): ReadonlyMap<number, RegistryEntry> {
    this.view ??= new Map([...this.records].map(([pid, r]) => [pid, { ...r.entry }]));
    return this.view;
  }

  /** May `sender` change this record? Its owner, or anyone once the owner left. */
  private claimable(rec: Registration, sender: number, isLive: (pid: number) => boolean): boolean {
    return rec.owner === sender || rec.owner === 0 || !isLive(rec.owner);
  }

  register(proc: ProcPrio, sender: number, isLive: (pid: number) => boolean): RegisterOutcome {
    if (this.hooks.protectedPids?.has(proc.pid)) return { status: 'protected' };
    let existing = this.records.get(proc.pid);
    if (existing && this.hooks.access.exited(existing.pidfd)) {
      // The registered process died and the pid may be someone else's now: start afresh.
      this.drop(proc.pid);
      existing = undefined;
    }
    if (existing && !this.claimable(existing, sender, isLive)) return { status: 'refused', owner: existing.owner };
    const tgid = this.hooks.access.tgid(proc.pid);
    if (tgid === undefined) {
      if (existing) this.drop(proc.pid);
      return { status: 'gone' };
    }
    if (tgid !== proc.pid) return { status: 'not-leader', tgid };
    let pidfd = existing?.pidfd;
    if (pidfd === undefined) {
      try {
        pidfd = this.hooks.access.openPidfd(proc.pid);
      } catch (e) {
        return { status: 'pidfd-failed', error: errorCode(e) ?? String(e) };
      }
    }
    return this.registerOne(proc, sender, pidfd, existing);
  }

  private registerOne(proc: ProcPrio, sender: number, pidfd: number, existing: Registration | undefined): RegisterOutcome {
    const { access } = this.hooks;
    try {
      access.writeOomScoreAdj(proc.pid, proc.adj);
    } catch (e) {
      // Not registered, and an earlier registration of the pid is dropped as well: the
      // policies rank by the kernel's oom_score_adj, so keeping the record would leave a
      // process its manager just asked to protect as a candidate at its old adj, while an
      // unregistered process is never an lmkd-policy victim when others are registered.
      if (existing) this.drop(proc.pid);
      else access.closeFd(pidfd);
      const code = errorCode(e) ?? String(e);
      if (code === 'ESRCH' || code === 'ENOENT') return { status: 'gone' };
      return { status: 'adj-failed', error: code, droppedEarlier: existing !== undefined };
    }
    if (access.exited(pidfd)) {
      // It exited between the checks and the write (the write may have hit a reused pid).
      if (existing) this.drop(proc.pid);
      else access.closeFd(pidfd);
      return { status: 'gone' };
    }
    const claimedFrom = existing && existing.owner !== sender ? existing.owner : undefined;
    const entry: RegistryEntry = { pid: proc.pid, uid: proc.uid, oomScoreAdj: proc.adj, processType: proc.processType, registeredAtMs: this.hooks.nowMs() };
    // Read now, while it lives: after the kill its cmdline is gone (task-name.ts).
    const taskName = access.taskName?.(proc.pid);
    if (taskName !== undefined) entry.taskName = taskName;
    this.records.set(proc.pid, { entry, owner: sender, pidfd });
    this.departed.delete(proc.pid);
    this.view = undefined;
    if (!existing) this.hooks.watch(proc.pid, pidfd);
    return claimedFrom === undefined ? { status: 'registered', isNew: !existing } : { status: 'registered', isNew: false, claimedFrom };
  }

  remove(pid: number, sender: number, isLive: (pid: number) => boolean): RemoveOutcome {
    const rec = this.records.get(pid);
    if (!rec) return { status: 'not-registered' };
    if (!this.claimable(rec, sender, isLive)) return { status: 'refused', owner: rec.owner };
    this.drop(pid);
    return { status: 'removed' };
  }

  /** LMK_PROCPURGE: every record the sender owns, and the unclaimed ones (as lmkd). */
  purge(sender: number, isLive: (pid: number) => boolean): number {
    let n = 0;
    for (const [pid, rec] of [...this.records]) {
      if (this.claimable(rec, sender, isLive)) {
        this.drop(pid);
        n++;
      }
    }
    return n;
  }

  /** The client with this pid left: its records become claimable. */
  releaseOwner(owner: number): number {
    let n = 0;
    for (const rec of this.records.values()) {
      if (rec.owner === owner) {
        rec.owner = 0;
        n++;
      }
    }
    return n;
  }

  /** Forget a record (exited, killed, removed) and release its pidfd. */
  drop(pid: number, pidfd?: number): Registration | undefined {
    const rec = this.records.get(pid);
    if (!rec || (pidfd !== undefined && rec.pidfd !== pidfd)) return undefined;
    this.records.delete(pid);
    this.view = undefined;
    this.hooks.release(rec.pidfd);
    return rec;
  }

  /** The process exited (its pidfd turned readable): forget it, but remember it briefly. */
  exited(pid: number, pidfd: number): Registration | undefined {
    const rec = this.drop(pid, pidfd);
    if (!rec) return undefined;
    const now = this.hooks.nowMs();
    for (const [p, d] of this.departed) {
      if (now - d.atMs <= DEPARTED_KEEP_MS && this.departed.size < DEPARTED_MAX) break;
      this.departed.delete(p); // oldest first (insertion order)
    }
    this.departed.set(pid, { entry: rec.entry, atMs: now });
    return rec;
  }

  /**
   * The registration a kill report should use: the live record, or one whose process
   * exited less than DEPARTED_KEEP_MS ago. Either is forgotten afterwards.
   */
  takeForKill(pid: number): RegistryEntry | undefined {
    const live = this.drop(pid);
    const gone = this.departed.get(pid);
    this.departed.delete(pid);
    if (live) return live.entry;
    return gone && this.hooks.nowMs() - gone.atMs <= DEPARTED_KEEP_MS ? gone.entry : undefined;
  }

  /** Forget everything (server shutdown). */
  clear(): void {
    for (const pid of [...this.records.keys()]) this.drop(pid);
    this.departed.clear();
  }
}
