// The kill core: runs on the kill thread (a worker, or the main thread when useWorker
// is false) and owns the victims' pidfds. One batch, synchronously:
//   1. identity: check and open a pidfd for every victim (policy order);
//   2. SIGKILL every opened victim, in reverse reap order, so the first victim to be
//      reaped is the last one signalled and nothing runs between its signal and its
//      process_mrelease (an async hand-off loses that race: kernel-interfaces §3.4);
//   3. per victim, largest resident anon first: process_mrelease (unless a reap delay
//      applies to a victim that is not frozen: seed 003), then thaw / all CPUs / RT.
// What cannot finish at once (EAGAIN/EINTR retries, a delayed reap, a shared address
// space) continues on timers after the batch returns and reports an Update when done;
// it goes on after the engine's wait times out. docs/kill-path.md explains the order.
import type { Victim } from '../../model/decision.js';
import { errorCode } from '../sys/errors.js';
import { SIGKILL } from '../sys/process.js';
import { boostVictim, gatherFacts, type VictimFacts } from './boost.js';
import { findFreezerRoot, isFrozen } from './freezer.js';
import { findCgroup2Root, killGroup, pinToReaper, prepareGroupKill, thawGroup, unpin, type GroupKill } from './group-kill.js';
import { closeQuietly, openVictims, type OpenedVictim } from './identity.js';
import { tryReap, type ReapAttempt } from './reap.js';
import { findSharers, killSharers, type Sharer } from './shared-mm.js';
import type { KillSys } from './kill-sys.js';
import type { BatchTiming, CoreConfig, FromCore, Outcome, Update } from './types.js';

interface ReapState {
  reaped: boolean;
  reapMs: number | null;
  error?: string;
  notes: string[];
}

interface Handle {
  key: number;
  fd: number;
  victim: Victim;
  state: ReapState;
  attempts: number;
  sharedTried: boolean;
  pending: boolean;
  released: boolean;
  /** pidfds of killed sharers: closed with the victim's. */
  extraFds: number[];
  /** Sharers found before the kill (scanSharersBeforeKill). */
  knownSharers?: Sharer[];
  /** The process_mrelease made right after the signal, not yet accounted for. */
  firstAttempt?: ReapAttempt;
  /** Its threads and freezer cgroup, read before the signal (boost.ts gatherFacts). */
  facts: VictimFacts;
  timer?: ReturnType<typeof setTimeout>;
}

interface Opened extends OpenedVictim {
  sharers?: Sharer[];
  facts?: VictimFacts;
}

interface CoreHost {
  /** Monotonic ms (threadNowMs from src/kernel/clock.ts in production). */
  now(): number;
  emit(message: FromCore): void;
  /** Pids among these that the main thread's `protect` rule covers. */
  askProtect?: (pids: number[]) => Promise<number[]>;
}

export class KillCore {
  private readonly handles = new Map<number, Handle>();
  private nextKey = 1;
  private reapSupported = true;
  private closed = false;
  private readonly freezerRoot: string | undefined;
  private cgroup2Root: string | undefined | null = null;

  constructor(
    private readonly sys: KillSys,
    private readonly config: CoreConfig,
    private readonly host: CoreHost,
  ) {
    this.freezerRoot = config.freezerRoot ?? findFreezerRoot(sys);
  }

  /** group: kill_unit "cgroup" — the victims are that cgroup2 group's processes (see group-kill.ts). */
  kill(victims: readonly Victim[], dryRun: boolean, group?: string): { outcomes: Outcome[]; timing: BatchTiming } {
    const startAt = this.host.now();
    const outcomes: Outcome[] = victims.map(() => ({ killed: false, reaped: false, reapMs: null, signalAt: null, notes: [], pending: false }));
    const opened = this.openAll(victims, outcomes);
    if (dryRun) {
      for (const { index, fd } of opened) {
        closeQuietly(this.sys, fd);
        outcomes[index]?.notes.push('dry-run: identity confirmed, not killed');
      }
      return { outcomes, timing: { startAt, signalAt: outcomes.map(() => null), doneAt: this.host.now() } };
    }
    // Reap order: largest resident anon first (seed 000 sorts its reap list this way).
    const reapOrder = [...opened].sort((a, b) => (victims[b.index]?.rssAnonKiB ?? 0) - (victims[a.index]?.rssAnonKiB ?? 0));
    const handles = new Map<number, Handle>();
    const reapAtOnce = this.config.reap && this.reapSupported && this.config.reapDelayMs === 0;
    // Freeze first, pidfds already open; one cgroup.kill then signals every member at once.
    const g = group === undefined ? undefined : this.groupKill(group, opened, victims);
    const pinned = g && reapAtOnce ? pinToReaper(this.sys, opened.map((o) => victims[o.index]?.pid ?? 0)) : undefined;
    // Everything the steps after the signal need, read now: nothing under /proc/VICTIM
    // is read once it is dying (boost.ts).
    for (const entry of opened) entry.facts = gatherFacts(this.sys, this.config, this.freezerRoot, victims[entry.index]?.pid ?? 0);
    const viaGroup = g !== undefined && g.killFile && killGroup(this.sys, g);
    for (const entry of [...reapOrder].reverse()) {
      const h = this.signal(entry.index, entry.fd, victims, outcomes, reapAtOnce && entry === reapOrder[0], viaGroup, entry.facts);
      if (!h) continue;
      if (entry.sharers && entry.sharers.length > 0) h.knownSharers = entry.sharers;
      handles.set(entry.index, h);
    }
    // A whole-scope kill reaps every member before boosting any: a boosted (SCHED_RR)
    // member would preempt the kill thread on the CPU the others are held on.
    for (const { index } of reapOrder) {
      const h = handles.get(index);
      if (h) h.pending = this.firstReapAndBoost(h, pinned === undefined);
    }
    for (const { index } of reapOrder) {
      const h = handles.get(index);
      const outcome = outcomes[index];
      if (!h || !outcome) continue;
      if (pinned) h.state.notes.push(...boostVictim(this.sys, this.config, h.victim.pid, h.facts));
      Object.assign(outcome, this.snapshot(h), { pending: h.pending });
    }
    if (pinned) {
      unpin(this.sys, pinned, !this.config.allCpus || outcomes.some((o) => !o.killed));
      g?.notes.push(`scope-kill: ${pinned.tids.length} thread(s) held on CPU ${pinned.cpu} until reaped`);
    }
    if (g) {
      thawGroup(this.sys, g);
      for (const o of outcomes) o.notes.push(...g.notes);
    }
    return { outcomes, timing: { startAt, signalAt: outcomes.map((o) => o.signalAt), doneAt: this.host.now() } };
  }

  /** The main thread is done waiting: close pidfds whose follow-up work is over. */
  release(keys: readonly number[]): void {
    for (const key of keys) {
      const h = this.handles.get(key);
      if (!h) continue;
      h.released = true;
      if (!h.pending) this.dispose(h);
    }
  }

  closeAll(): void {
    this.closed = true;
    for (const h of [...this.handles.values()]) this.dispose(h);
  }

  private openAll(victims: readonly Victim[], outcomes: Outcome[]): Opened[] {
    const opened: Opened[] = openVictims(this.sys, victims, (index, error, note) => {
      const outcome = outcomes[index];
      if (!outcome) return;
      outcome.error = error;
      if (note) outcome.notes.push(note);
    });
    if (this.config.scanSharersBeforeKill) {
      for (const entry of opened) entry.sharers = findSharers(this.sys, victims[entry.index]?.pid ?? 0);
    }
    return opened;
  }

  private groupKill(group: string, opened: readonly Opened[], victims: readonly Victim[]): GroupKill {
    if (this.cgroup2Root === null) this.cgroup2Root = findCgroup2Root(this.sys);
    const pids = new Set(opened.map((o) => victims[o.index]?.pid ?? 0));
    return prepareGroupKill(this.sys, this.cgroup2Root, group, pids);
  }

  /**
   * SIGKILL (unless the group's cgroup.kill already sent it: viaGroup); with reapNow,
   * process_mrelease follows with nothing in between (the race).
   */
  private signal(
    index: number, fd: number, victims: readonly Victim[], outcomes: Outcome[], reapNow: boolean, viaGroup: boolean,
    facts: VictimFacts = { freezer: undefined, tids: [] },
  ): Handle | undefined {
    const outcome = outcomes[index];
    const victim = victims[index];
    if (!outcome || !victim) return undefined;
    let first: ReapAttempt | undefined;
    let signalAt: number;
    try {
      if (!viaGroup) this.sys.pidfdSendSignal(fd, SIGKILL);
      signalAt = this.host.now();
      if (reapNow) first = tryReap(this.sys, fd, this.host.now);
    } catch (e) {
      closeQuietly(this.sys, fd);
      const code = errorCode(e) ?? String(e);
      outcome.error = code === 'ESRCH' ? 'gone' : `signal-failed: ${code}`;
      return undefined;
    }
    outcome.signalAt = signalAt;
    outcome.killed = true;
    const h: Handle = {
      key: this.nextKey++,
      fd,
      victim,
      state: { reaped: false, reapMs: null, notes: [...outcome.notes] },
      attempts: 0,
      sharedTried: false,
      pending: false,
      released: false,
      extraFds: [],
      facts,
    };
    if (first) h.firstAttempt = first;
    this.handles.set(h.key, h);
    outcome.key = h.key;
    outcome.fd = fd;
    return h;
  }

  /** The first process_mrelease (or its delay), then the boost (unless boost is false). Returns: work pending. */
  private firstReapAndBoost(h: Handle, boost = true): boolean {
    const { config } = this;
    let pending = false;
    if (config.reap && this.reapSupported) {
      if (config.reapDelayMs > 0) {
        // Seed 003: a frozen victim cannot run its own exit, so a delay only loses time.
        if (isFrozen(h.facts.freezer)) pending = this.reapOnce(h);
        else {
          h.state.notes.push(`reap: delayed ${config.reapDelayMs} ms`);
          this.later(h, config.reapDelayMs, () => this.followUp(h));
          pending = true;
        }
      } else pending = this.reapOnce(h);
    }
    if (!boost) return pending;
    h.state.notes.push(...boostVictim(this.sys, config, h.victim.pid, h.facts));
    return pending;
  }

  /** One process_mrelease and its consequences. Returns: more work is scheduled. */
  private reapOnce(h: Handle): boolean {
    h.attempts++;
    const s = h.state;
    let a = h.firstAttempt ?? tryReap(this.sys, h.fd, this.host.now);
    h.firstAttempt = undefined;
    // The victim let go of a shared address space its (now dying) sharers still hold.
    for (const fd of h.extraFds) {
      if (a.kind !== 'gone') break;
      a = tryReap(this.sys, fd, this.host.now);
    }
    if (a.kind !== 'unsupported') s.reapMs = (s.reapMs ?? 0) + a.ms;
    const { attempts, backoffMs } = this.config.reapRetry;
    switch (a.kind) {
      case 'reaped':
        s.reaped = true;
        return false;
      case 'gone':
        if (h.knownSharers && !h.sharedTried) {
          // The victim let go of its address space, but its sharers still hold it.
          h.sharedTried = true;
          this.later(h, 0, () => this.resolveSharedSafely(h));
          return true;
        }
        if (!h.sharedTried) s.notes.push('reap: ESRCH, the victim had already released its memory');
        return false;
      case 'unsupported':
        this.reapSupported = false;
        s.notes.push('reap-unsupported: ENOSYS, waiting for the exit');
        return false;
      case 'failed':
        s.error = `reap-failed: ${a.code}`;
        return false;
      case 'shared':
        if (!h.sharedTried) {
          h.sharedTried = true;
          // Scan now, while the victim still has its address space: once it is thawed
          // or exits, kcmp can no longer tell who shared it.
          h.knownSharers ??= findSharers(this.sys, h.victim.pid);
          this.later(h, 0, () => this.resolveSharedSafely(h));
          return true;
        }
        return this.retryOrGiveUp(h, 'EINVAL', attempts, backoffMs);
      case 'retry':
        return this.retryOrGiveUp(h, a.code, attempts, backoffMs);
    }
  }

  private retryOrGiveUp(h: Handle, code: string, attempts: number, backoffMs: number): boolean {
    if (h.attempts < attempts) {
      this.later(h, backoffMs, () => this.followUp(h));
      return true;
    }
    h.state.error = `reap-failed: ${code}`;
    h.state.notes.push(`reap: ${code} ${h.attempts} times, gave up`);
    return false;
  }

  private resolveSharedSafely(h: Handle): void {
    this.resolveShared(h).catch((e: unknown) => {
      h.state.error = `shared-mm-failed: ${errorCode(e) ?? String(e)}`;
      this.settle(h);
    });
  }

  private async resolveShared(h: Handle): Promise<void> {
    const sharers = h.knownSharers ?? [];
    if (sharers.length > 0 && this.host.askProtect) {
      const covered = new Set(await this.host.askProtect(sharers.filter((x) => !x.unkillable).map((x) => x.pid)));
      for (const x of sharers) if (covered.has(x.pid)) x.unkillable = 'protected by rule';
    }
    if (this.closed) return;
    // A sharer is a victim too: its facts before its signal.
    const facts = new Map(sharers.filter((x) => !x.unkillable).map((x) => [x.pid, gatherFacts(this.sys, this.config, this.freezerRoot, x.pid)]));
    const r = killSharers(this.sys, sharers, this.config.sharedMm);
    h.state.notes.push(...r.notes);
    h.extraFds.push(...r.fds);
    if (r.error !== undefined) {
      h.state.error = r.error;
      return this.settle(h);
    }
    h.timer = undefined;
    h.pending = this.reapOnce(h);
    // A killed sharer must die too: the same help as a victim (thaw, CPUs, RT).
    for (const pid of r.killed) {
      const f = facts.get(pid) ?? { freezer: undefined, tids: [] };
      h.state.notes.push(...boostVictim(this.sys, this.config, pid, f).map((n) => `shared-mm ${pid}: ${n}`));
    }
    if (!h.pending) this.settle(h);
  }

  private followUp(h: Handle): void {
    h.timer = undefined;
    if (this.closed) return;
    h.pending = this.reapOnce(h);
    if (!h.pending) this.settle(h);
  }

  private later(h: Handle, ms: number, fn: () => void): void {
    h.timer = setTimeout(fn, ms);
  }

  private settle(h: Handle): void {
    h.pending = false;
    const update: Update = { key: h.key, ...this.snapshot(h), settled: true };
    this.host.emit({ t: 'update', update });
    if (h.released) this.dispose(h);
  }

  private snapshot(h: Handle): ReapState {
    const { reaped, reapMs, error, notes } = h.state;
    const out: ReapState = { reaped, reapMs, notes: [...notes] };
    if (error !== undefined) out.error = error;
    return out;
  }

  private dispose(h: Handle): void {
    if (h.timer) clearTimeout(h.timer);
    closeQuietly(this.sys, h.fd);
    for (const fd of h.extraFds) closeQuietly(this.sys, fd);
    this.handles.delete(h.key);
  }
}
