// Reads a scenario file from disk (TOML, or JSON when the text starts with "{").
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseScenario } from './parse.js';
import type { Scenario } from './types.js';

export function loadScenario(path: string): Scenario {
  const text = readFileSync(path, 'utf8');
  return parseScenario(text, path, basename(path, extname(path)));
}

/**
 * Whether a file holds snapshots (a trace) rather than a scenario: NDJSON by extension,
 * or JSON whose first line is a snapshot (version + memory + processes).
 */
export function looksLikeTrace(path: string, text: string): boolean {
  const ext = extname(path).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') return true;
  if (ext === '.toml') return false;
  const firstLine = text.trimStart().split('\n', 1)[0] ?? '';
  if (!firstLine.startsWith('{')) return false;
  try {
    const v = JSON.parse(firstLine) as Record<string, unknown>;
    return v.version !== undefined && typeof v.memory === 'object' && Array.isArray(v.processes);
  } catch {
    // A multi-line JSON document: a scenario or a pretty-printed single snapshot.
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      return v.version !== undefined && typeof v.memory === 'object' && Array.isArray(v.processes);
    } catch {
      return false;
    }
  }
}
