// The durable kill journal: one JSON line per kill, appended and flushed (fdatasync)
// before append() returns, so a record survives a crash or power loss right after the
// kill. A crash in the middle of a write leaves a torn last line; on open we end it with
// a newline so the next record starts on a line of its own and the reader skips only
// the torn fragment (docs/journal-format.md).
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalPort } from '../engine/ports.js';
import type { KillRecord } from '../model/kill-record.js';

/** Where the daemon keeps its journal unless configured otherwise (config/schema.ts's default). */
export const DEFAULT_JOURNAL_PATH = '/var/lib/reapd/journal.jsonl';

interface FileJournalOptions {
  /** fdatasync after every record (default true). Off only for tests and benchmarks. */
  sync?: boolean;
  /**
   * Called when a record cannot be written (disk full, permissions). append() never
   * throws: a kill must not fail because its record could not be kept. Default: a
   * process warning.
   */
  onError?: (error: Error, record: KillRecord) => void;
}

export class FileJournal implements JournalPort {
  private fd: number | undefined;
  private readonly sync: boolean;
  private readonly onError: (error: Error, record: KillRecord) => void;

  constructor(
    readonly path: string,
    options: FileJournalOptions = {},
  ) {
    this.sync = options.sync ?? true;
    this.onError = options.onError ?? ((e) => process.emitWarning(`kill journal ${path}: ${e.message}`, 'ReapdJournal'));
  }

  append(record: KillRecord): void {
    this.write(record, (e) => this.onError(e, record));
  }

  /** A record of another type (`{"type":"warning",…}`): same file, same flush; kill readers skip it. */
  appendLine(record: object, onError: (e: Error) => void = (e) => process.emitWarning(`kill journal ${this.path}: ${e.message}`, 'ReapdJournal')): void {
    this.write(record, onError);
  }

  private write(record: object, onError: (e: Error) => void): void {
    try {
      const fd = this.open();
      writeSync(fd, `${JSON.stringify(record)}\n`);
      if (this.sync) fdatasyncSync(fd);
    } catch (e) {
      // Reopen next time (the file may have been removed or the disk freed).
      this.close();
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const fd = openSync(this.path, 'a+', 0o640);
    try {
      const size = fstatSync(fd).size;
      if (size === 0) syncDir(dir);
      else if (lastByte(fd, size) !== 0x0a) writeSync(fd, '\n'); // end a torn line
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }
}

function lastByte(fd: number, size: number): number {
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, size - 1);
  return b[0] as number;
}

/** A new file's directory entry is durable only once its directory is synced. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* some filesystems refuse fsync on directories; the record itself is still synced */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
