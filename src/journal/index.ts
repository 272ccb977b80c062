// The kill journal (docs/journal-format.md) and the per-kill log line.
export { FileJournal } from './file-journal.js';
export { readJournal, parseJournal, type JournalContents } from './read.js';
export { formatKillLine, quoteName, wasKilled } from './format.js';
export { parseSince } from './since.js';

/** Where the daemon keeps its journal unless configured otherwise. */
export const DEFAULT_JOURNAL_PATH = '/var/lib/reapd/journal.jsonl';
export { journalPathProblem } from './probe.js';
