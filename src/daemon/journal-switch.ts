// The journal every domain writes to, behind one indirection so a reload that changes
// `journal` swaps the file without rebuilding the domains.
import type { JournalPort } from '../engine/ports.js';
import type { KillRecord } from '../model/kill-record.js';

export interface ClosableJournal extends JournalPort {
  close?(): void | Promise<void>;
}

export const NO_JOURNAL: ClosableJournal = { append: () => undefined };

export class SwitchableJournal implements JournalPort {
  constructor(private target: ClosableJournal) {}

  append(record: KillRecord): void {
    this.target.append(record);
  }

  /** Use `next` from now on; returns the previous journal (the caller closes it). */
  swap(next: ClosableJournal): ClosableJournal {
    const prev = this.target;
    this.target = next;
    return prev;
  }

  get current(): ClosableJournal {
    return this.target;
  }
}
