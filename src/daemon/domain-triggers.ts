// The armed triggers of one domain, one slot per planned source. A trigger that ends (its
// cgroup was removed, its fd failed) leaves its slot empty; the domain then waits and
// re-arms the slot every `retryMs` until it arms again (the group came back), so no
// policy or trigger kind ever stops guarding for good. The retry timer also keeps the
// event loop alive: before it existed, a simple-lmk memcg domain whose eventfds both
// ended left Node with nothing to wait on, and the daemon exited 0 sixty ms later.
import type { TriggerEvent } from '../engine/ports.js';
import type { TriggerEnd, TriggerSource } from '../kernel/triggers/types.js';
import type { Log } from './logger.js';
import type { PlannedSource } from './trigger-plan.js';

/** How often an ended trigger is re-armed (ms): cheap (one open or one write), and a returning group is guarded within a second. */
const TRIGGER_RETRY_MS = 1000;

type MakeTrigger = (s: PlannedSource, onEnded: (end: TriggerEnd) => void) => TriggerSource;

interface Slot {
  source: PlannedSource;
  trigger: TriggerSource | undefined;
  /** Why the last re-arm failed (logged once per distinct reason). */
  lastError?: string;
}

export class DomainTriggers {
  private slots: Slot[] = [];
  private retry: NodeJS.Timeout | undefined;
  /** Where the triggers' events go (LiveDomain.onEvent): handed to each trigger as it is, no hop between. */
  private emit: (e: TriggerEvent) => void = () => undefined;

  constructor(
    private readonly log: Log,
    private readonly make: MakeTrigger,
    private readonly retryMs = TRIGGER_RETRY_MS,
  ) {}

  get names(): string[] {
    return this.slots.flatMap((s) => (s.trigger ? [s.trigger.name] : []));
  }

  /** Slots whose trigger ended and is not armed again yet. */
  get waiting(): number {
    return this.slots.filter((s) => s.trigger === undefined).length;
  }

  /** Arm every source. Throws when one cannot be armed at all (nothing stays armed). */
  arm(sources: readonly PlannedSource[], emit: (e: TriggerEvent) => void): void {
    this.emit = emit;
    const slots: Slot[] = sources.map((source) => ({ source, trigger: undefined }));
    try {
      for (const slot of slots) this.armSlot(slot);
    } catch (e) {
      void Promise.all(slots.map((s) => s.trigger?.stop()));
      throw e;
    }
    this.slots = slots;
  }

  async disarm(): Promise<void> {
    clearInterval(this.retry);
    this.retry = undefined;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.trigger?.stop().catch((e: unknown) => this.log.warn('trigger-stop-failed', `${s.trigger?.name}: ${String(e)}`))));
  }

  private armSlot(slot: Slot): TriggerSource {
    const holder: { t?: TriggerSource } = {};
    const t = this.make(slot.source, (end) => {
      if (slot.trigger === holder.t) this.onEnded(slot, end);
    });
    holder.t = t;
    t.start(this.emit);
    slot.trigger = t;
    return t;
  }

  private onEnded(slot: Slot, end: TriggerEnd): void {
    slot.trigger = undefined;
    this.log.warn('domain-trigger-ended', `${end.message}; waiting for it to come back (re-armed every ${this.retryMs} ms)`, { trigger: end.trigger, reason: end.reason });
    this.retry ??= setInterval(() => this.rearmEnded(), this.retryMs);
  }

  private rearmEnded(): void {
    for (const slot of this.slots) {
      if (slot.trigger !== undefined) continue;
      try {
        const t = this.armSlot(slot);
        delete slot.lastError;
        this.log.info('domain-trigger-resumed', `${t.name} armed again: the domain is guarded by it once more`, { trigger: t.name });
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        if (why !== slot.lastError) this.log.debug('domain-trigger-waiting', `still waiting: ${why}`);
        slot.lastError = why;
      }
    }
    if (this.waiting === 0) {
      clearInterval(this.retry);
      this.retry = undefined;
    }
  }
}
