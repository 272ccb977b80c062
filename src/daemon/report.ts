// report_interval: a one-line memory report per domain in the log every so often, as
// earlyoom's -r gives ("mem avail: 21421 of 31786 MiB (67.39%), swap free: …"): what
// memory looked like between kills, for whoever reads the log after the fact. Each line
// costs one cheap memory read (the threshold poller's). Off by default ([daemon]
// report_interval = "0"); a reload that changes it restarts the timer.
import type { MemoryView } from '../model/memory-view.js';
import { formatKiB } from '../model/units.js';
import type { Logger } from './logger.js';

export interface ReportedDomain {
  name: string;
  memoryNow(): Promise<{ view: MemoryView; headroomKiB: number }>;
  stats: { kills: number };
}

const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** "mem avail 5.1 GiB of 15.5 GiB (33.0%), swap free 0 KiB of 0 KiB; 3.5 GiB above the kill level; 0 kills" (a memcg first gives its usage). */
export function formatReport(view: MemoryView, headroomKiB: number, kills: number): string {
  const m = view.memory;
  const parts: string[] = [];
  const cg = view.cgroup;
  if (cg) parts.push(`memcg usage ${formatKiB(cg.usageKiB)}${cg.limitKiB !== null ? ` of ${formatKiB(cg.limitKiB)} (${percent(cg.usageKiB, cg.limitKiB)})` : ' (no limit)'}`);
  parts.push(`mem avail ${formatKiB(m.availableKiB)} of ${formatKiB(m.totalKiB)} (${percent(m.availableKiB, m.totalKiB)}), swap free ${formatKiB(m.swapFreeKiB)} of ${formatKiB(m.swapTotalKiB)}`);
  const level = headroomKiB >= 0 ? `${formatKiB(headroomKiB)} above the kill level` : `${formatKiB(-headroomKiB)} below the kill level`;
  return `${parts.join('; ')}; ${level}; ${kills} kill${kills === 1 ? '' : 's'} since start`;
}

export class MemoryReporter {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;

  constructor(private readonly o: { domains(): readonly ReportedDomain[]; logger: Logger }) {}

  /** Report every intervalMs (0: never). The first report comes one interval after. */
  set(intervalMs: number): void {
    if (intervalMs === this.intervalMs && (this.timer !== undefined) === intervalMs > 0) return;
    this.stop();
    this.intervalMs = intervalMs;
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.report(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One line per domain; a domain whose memory cannot be read says so instead. */
  async report(): Promise<void> {
    await Promise.all(this.o.domains().map(async (d) => {
      const log = this.o.logger.forDomain(d.name);
      try {
        const { view, headroomKiB } = await d.memoryNow();
        const m = view.memory;
        log.info('report', formatReport(view, headroomKiB, d.stats.kills), {
          availableKiB: m.availableKiB, totalKiB: m.totalKiB, swapFreeKiB: m.swapFreeKiB, swapTotalKiB: m.swapTotalKiB,
          ...(view.cgroup ? { usageKiB: view.cgroup.usageKiB, limitKiB: view.cgroup.limitKiB } : {}),
          headroomKiB, kills: d.stats.kills,
        });
      } catch (e) {
        log.warn('report', `memory report: cannot read memory: ${e instanceof Error ? e.message : String(e)}`);
      }
    }));
  }
}
