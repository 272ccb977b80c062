// At most one notice per app and kind per window (one minute for `reapd notify`): a kill
// storm or a warning repeated every second must not bury the desktop. Pure: time is passed in.
import type { Notice } from './notice.js';

export class NoticeRateLimit {
  private readonly lastMs = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True (and counted) when the notice may be shown at nowMs; false when its app had one of its kind within the window. */
  allow(n: Pick<Notice, 'kind' | 'app'>, nowMs: number): boolean {
    const key = `${n.kind}\0${n.app}`;
    const last = this.lastMs.get(key);
    if (last !== undefined && nowMs - last < this.windowMs) return false;
    this.lastMs.set(key, nowMs);
    this.prune(nowMs);
    return true;
  }

  /** Un-count a notice that could not be shown, so the next one for its app is tried. */
  forget(n: Pick<Notice, 'kind' | 'app'>): void {
    this.lastMs.delete(`${n.kind}\0${n.app}`);
  }

  /** Forget apps whose window has passed, so a long session does not keep every name. */
  private prune(nowMs: number): void {
    if (this.lastMs.size < 256) return;
    for (const [key, ms] of this.lastMs) if (nowMs - ms >= this.windowMs) this.lastMs.delete(key);
  }
}
