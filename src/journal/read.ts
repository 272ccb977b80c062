// Reading the kill journal (docs/journal-format.md): JSON lines; a line that does not
// parse as a KillRecord — typically the last one, torn by a crash mid-write — is
// counted and skipped, never fatal.
import { readFileSync } from 'node:fs';
import type { KillRecord } from '../model/kill-record.js';
import { isKillRecord } from './validate.js';

interface ReadOptions {
  /** Only records whose time is at or after this instant. */
  since?: Date;
}

export interface JournalContents {
  /** One record per kill: a "signalled" record is replaced by its "final" one when that was written. */
  records: KillRecord[];
  /** Lines that were not a valid record (torn or invalid). */
  skipped: number;
}

export function parseJournal(text: string, options: ReadOptions = {}): JournalContents {
  const sinceMs = options.since?.getTime();
  const records: KillRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    // Warning records ({"type":"warning",…}, daemon/warning.ts) are not kills, nor damage.
    if (isWarningLine(value)) continue;
    if (!isKillRecord(value)) {
      skipped++;
      continue;
    }
    if (sinceMs !== undefined && Date.parse(value.time) < sinceMs) continue;
    records.push(value);
  }
  return { records: mergeStages(records), skipped };
}

/**
 * Each kill once: a "signalled" record whose "final" record follows is dropped; one
 * without (the daemon stopped during the wait for the exit) stays, exitMs unknown.
 */
export function mergeStages(records: readonly KillRecord[]): KillRecord[] {
  const finished = new Set<string>();
  for (const r of records) if (r.stage === 'final' && r.killId !== undefined) finished.add(r.killId);
  return records.filter((r) => !(r.stage === 'signalled' && r.killId !== undefined && finished.has(r.killId)));
}

/** Read and parse a journal file. Throws the fs error (ENOENT: no journal yet). */
export function readJournal(path: string, options: ReadOptions = {}): JournalContents {
  return parseJournal(readFileSync(path, 'utf8'), options);
}

function isWarningLine(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'warning';
}
