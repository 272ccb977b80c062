// lmkd's polling after a PSI event, on the main thread: the kernel sends at most one event
// per trigger per 1 s window, so free memory can fall from above the low watermark to
// below the min one between two events. lmkd therefore re-assesses memory every 100 ms for
// PSI_WINDOW_SIZE_MS after each event (its mp_event_psi called with events = 0); this
// timer does the same for a domain whose policy asks for it (Policy.pollsAfterEvent),
// sending the domain events of level "psi-poll". Each real event restarts the window; a
// poll never extends it, and none is sent while a reclaim runs (it would only be absorbed).
import { psiPollEvent, type Clock, type TriggerEvent } from '../engine/ports.js';

interface PsiPollPlan {
  windowMs: number;
  intervalMs: number;
}

interface PsiPollDeps {
  clock: Clock;
  /** Whether the domain's engine is running a reclaim. */
  busy(): boolean;
  /** Hand a poll to the domain (LiveDomain.onEvent). */
  fire(e: TriggerEvent): void;
}

export class PsiPollAfterEvent {
  private untilMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: PsiPollDeps) {}

  /** A real PSI event at atMs: poll for plan.windowMs from it (nothing when plan is undefined). */
  afterEvent(atMs: number, plan: PsiPollPlan | undefined): void {
    if (!plan || this.stopped) return;
    this.untilMs = Math.max(this.untilMs, atMs + plan.windowMs);
    if (this.timer === undefined) this.schedule(plan);
  }

  private schedule(plan: PsiPollPlan): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      const now = this.deps.clock.nowMs();
      if (now > this.untilMs) return;
      if (!this.deps.busy()) this.deps.fire(psiPollEvent(now, `polled ${Math.round(this.untilMs - now)} ms before the PSI window ends`));
      this.schedule(plan);
    }, plan.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
