// What an incremental scan leaves for later (refreshDue): status reads it could put off
// (statm moved by file pages only, no swap) and scheduled refreshes beyond its budget.
// Status reads first: they are cheap, and they restore exact numbers.
import type { PidEntry } from './entry.js';

interface PutOffWork {
  /** Still the entry the last scan read (not dropped or replaced since). */
  current(e: PidEntry): boolean;
  status(e: PidEntry): void;
  /** Refresh it if still due; false when there was nothing to do. */
  refresh(e: PidEntry): boolean;
}

export class PutOff {
  statuses: PidEntry[] = [];
  refreshes: PidEntry[] = [];
  private nextStatus = 0;
  private nextRefresh = 0;

  clear(): void {
    this.statuses = [];
    this.refreshes = [];
    this.nextStatus = 0;
    this.nextRefresh = 0;
  }

  /** Do up to `count` pieces of work; true while more remain. */
  run(count: number, work: PutOffWork): boolean {
    let done = 0;
    while (done < count && this.nextStatus < this.statuses.length) {
      const e = this.statuses[this.nextStatus++] as PidEntry;
      if (!work.current(e)) continue;
      work.status(e);
      done++;
    }
    while (done < count && this.nextRefresh < this.refreshes.length) {
      const e = this.refreshes[this.nextRefresh++] as PidEntry;
      if (work.current(e) && work.refresh(e)) done++;
    }
    return this.nextStatus < this.statuses.length || this.nextRefresh < this.refreshes.length;
  }
}
