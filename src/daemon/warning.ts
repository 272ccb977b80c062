// The warning stage: before a domain reaches its policy's kill level, say who would die
// next if memory keeps falling. Every warn_interval the domain's memory is read (the cheap
// read the threshold poller makes); at or below warn_headroom of headroom, and at most once
// per warn_every, the domain ranks its processes with its own policy (a scan and a pure
// decision, nothing killed) and the Warning goes to the log, the journal (a "warning"
// record), the warn hook, metrics and D-Bus (Domain's onWarning). Never while a reclaim
// runs: then the kill is already on its way.
import type { WarnSettings } from '../config/types.js';
import type { MemoryView } from '../model/memory-view.js';
import { formatKiB } from '../model/units.js';
import type { Log } from './logger.js';

/** Auto warn_headroom: 5% of the domain's memory (memcg limit or MemTotal), at least 32 MiB. */
const AUTO_PERCENT = 5;
const AUTO_MIN_KIB = 32 * 1024;

export interface WarnedProcess {
  pid: number;
  uid: number;
  name: string;
  oomScoreAdj: number;
  sizeKiB: number;
}

/** One warning, as journalled (docs/journal-format.md, "Warning records"). */
export interface WarningRecord {
  type: 'warning';
  time: string;
  domain: string;
  policy: string;
  /** Distance to the kill level now, KiB, and the warn_headroom it crossed. */
  headroomKiB: number;
  warnHeadroomKiB: number;
  /** Who would be killed next, first first (at most three). */
  next: WarnedProcess[];
}

interface WarnerDeps {
  domain: string;
  policy: string;
  settings(): WarnSettings;
  memoryNow(): Promise<{ view: MemoryView; headroomKiB: number }>;
  nextVictims(): Promise<WarnedProcess[]>;
  /** A reclaim is running (no warning then). */
  busy(): boolean;
  nowMs(): number;
  wallMs(): number;
  log: Log;
  onWarning(w: WarningRecord): void;
  /** Every reading: above warn_headroom ("ok") or at/below it ("warning"). */
  onLevel?(level: 'ok' | 'warning'): void;
}

export function warnHeadroomKiB(s: WarnSettings, view: MemoryView): number {
  if (s.headroomKiB !== null) return s.headroomKiB;
  const size = view.cgroup?.limitKiB ?? view.memory.totalKiB;
  return Math.max(AUTO_MIN_KIB, Math.round((size * AUTO_PERCENT) / 100));
}

export class DomainWarner {
  private timer: NodeJS.Timeout | undefined;
  private lastWarnMs = -Infinity;
  private checking = false;

  constructor(private readonly d: WarnerDeps) {}

  start(): void {
    if (this.d.settings().headroomKiB === 0) return;
    this.timer = setInterval(() => void this.check(), this.d.settings().intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (the timer's; tests call it directly). */
  async check(): Promise<WarningRecord | undefined> {
    if (this.checking || this.d.busy()) return undefined;
    const s = this.d.settings();
    if (s.headroomKiB === 0) return undefined;
    this.checking = true;
    try {
      const now = await this.d.memoryNow();
      const warnAt = warnHeadroomKiB(s, now.view);
      this.d.onLevel?.(now.headroomKiB > warnAt ? 'ok' : 'warning');
      if (now.headroomKiB > warnAt || this.d.busy() || this.d.nowMs() - this.lastWarnMs < s.everyMs) return undefined;
      this.lastWarnMs = this.d.nowMs();
      const next = await this.d.nextVictims();
      const w: WarningRecord = {
        type: 'warning', time: new Date(this.d.wallMs()).toISOString(), domain: this.d.domain, policy: this.d.policy,
        headroomKiB: Math.round(now.headroomKiB), warnHeadroomKiB: warnAt, next,
      };
      const who = next.length > 0 ? next.map((p) => `${p.name}(${p.pid}, ${formatKiB(p.sizeKiB)})`).join(', ') : 'nobody the policy could kill';
      this.d.log.warn('warning', `memory is running out: ${formatKiB(Math.max(0, w.headroomKiB))} above the kill level (warns at ${formatKiB(warnAt)}); next: ${who}`, { ...w });
      this.d.onWarning(w);
      return w;
    } catch (e) {
      this.d.log.debug('warning-check-failed', `warning check failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    } finally {
      this.checking = false;
    }
  }
}
