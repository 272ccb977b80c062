// The Killer port on the virtual kernel. kill() checks identity (pid + start time) as the
// pidfd path does, then SIGKILLs: the victim is dying, reaping frees its anon at once,
// the rest goes when it exits. waitForExit() returns a promise the runner settles on the
// tick when every victim has exited or the timeout has passed — never on a real timer.
import type { Killer, KillOptions, KillResult } from '../../engine/ports.js';
import type { Victim } from '../../model/decision.js';
import type { SimDomain, KillEffects, KillMode } from './domain.js';
import type { Killed } from '../results.js';
import type { VirtualClock } from './ports.js';

export interface KillListener {
  killed(victim: Victim, p: Killed, atMs: number, effects: KillEffects): void;
}

interface Waiter {
  results: readonly KillResult[];
  deadlineMs: number;
  resolve(exits: (number | null)[]): void;
}

export class SimKiller implements Killer {
  private waiter: Waiter | null = null;
  /** Called when the engine starts waiting: its reclaim cannot progress until a tick. */
  onBlocked: (() => void) | null = null;

  constructor(
    private readonly domain: SimDomain,
    private readonly clock: VirtualClock,
    private readonly mode: KillMode,
    private readonly listener: KillListener,
  ) {}

  kill(victims: readonly Victim[], options: KillOptions): Promise<KillResult[]> {
    const now = this.clock.now;
    return Promise.resolve(victims.map((v) => this.killOne(v, now, options.dryRun)));
  }

  private killOne(victim: Victim, now: number, dryRun: boolean): KillResult {
    const base = { victim, killed: false, reaped: false, reapMs: null, signalAtMs: null, notes: [] as string[] };
    const p = this.domain.process(victim.pid);
    if (!p || !p.present) return { ...base, error: 'gone' };
    if (p.startTime !== victim.startTime) return { ...base, error: 'identity-changed' };
    if (dryRun) return { ...base, notes: ['dry-run'] };
    if (p.life === 'dying') return { ...base, killed: true, signalAtMs: now, notes: ['already dying'] };
    const effects = this.domain.kill(p, now, this.mode);
    p.killedBy = 'policy';
    this.listener.killed(victim, p, now, effects);
    return { victim, killed: true, reaped: effects.reaped, reapMs: effects.reapMs, signalAtMs: now, notes: effects.notes };
  }

  waitForExit(results: readonly KillResult[], timeoutMs: number): Promise<(number | null)[]> {
    if (results.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.waiter = { results, deadlineMs: this.clock.now + timeoutMs, resolve };
      this.onBlocked?.();
    });
  }

  get waiting(): boolean {
    return this.waiter !== null;
  }

  /** After a tick: settle the wait if its victims are gone or its time is up. */
  checkWait(nowMs: number): boolean {
    const w = this.waiter;
    if (!w) return false;
    const exits = w.results.map((r) => {
      const p = this.domain.process(r.victim.pid);
      return p && p.exitedAtMs !== null && r.signalAtMs !== null ? p.exitedAtMs - r.signalAtMs : null;
    });
    if (exits.some((e) => e === null) && nowMs < w.deadlineMs) return false;
    this.waiter = null;
    w.resolve(exits);
    return true;
  }
}
