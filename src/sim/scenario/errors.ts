// Scenario validation errors: every problem names its key ("process[3].memory.rate"), and
// all of them are reported at once so one edit fixes the file.

interface ScenarioIssue {
  /** Dotted key path, 1-based indexes for arrays of tables: "process[3].memory.rate". */
  key: string;
  message: string;
}

export class ScenarioError extends Error {
  readonly code = 'SIM_BAD_SCENARIO';
  constructor(
    readonly file: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(`${file}: ${issues.length === 1 ? 'invalid scenario' : `${issues.length} problems`}:\n${issues.map((i) => `  ${i.key || '(file)'}: ${i.message}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** Collects issues while a scenario is read. */
export class Issues {
  readonly list: ScenarioIssue[] = [];
  add(key: string, message: string): void {
    this.list.push({ key, message });
  }
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'a table';
  return String(v);
}
