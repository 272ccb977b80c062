// `reapd simulate FILE`: run the daemon's engine and policies against a scenario (or a
// recorded trace) in a virtual kernel and compare them. Output is deterministic: the
// same file and flags give the same bytes (docs/simulator.md).
import { writeFileSync } from 'node:fs';
import { readInputText } from '../input-file.js';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';
import { POLICY_NAMES, type PolicyName } from '../../model/decision.js';
import { parseDurationMs } from '../../model/units.js';
import { PARAM_OPTIONS, type ParamText } from '../../policy/params.js';
import { buildParams } from '../../sim/params.js';
import { htmlReport } from '../../sim/report/html.js';
import { jsonReport } from '../../sim/report/json.js';
import { textReport } from '../../sim/report/text.js';
import type { SimulationResult } from '../../sim/results.js';
import { ScenarioError } from '../../sim/scenario/errors.js';
import { looksLikeTrace } from '../../sim/scenario/load.js';
import { CONFIGURED_RUN, parseScenario } from '../../sim/scenario/parse.js';
import type { Scenario, UnitRun } from '../../sim/scenario/types.js';
import { UNIT_RUNS } from '../../sim/scenario/keys.js';
import { simulateScenario, SimError } from '../../sim/simulate.js';
import { replayTrace } from '../../sim/trace/replay.js';

interface SimulateFlags extends ParamText {
  policy?: string;
  units?: string;
  reap: boolean;
  json?: boolean;
  report?: string;
  interval: string;
}

/** Flag (ParamText option) -> the scenario key it overrides. */
const PARAM_FLAGS: ReadonlyArray<[keyof ParamText, string]> = [
  ['minfree', 'minfree'],
  ['levels', 'levels'],
  ['deathPending', 'death_pending'],
  ['killTimeout', 'kill_timeout'],
  ['pick', 'pick'],
  ['memAvailable', 'mem_available'],
  ['swapFree', 'swap_free'],
  ['reclaimTimeout', 'reclaim_timeout'],
];

/** Parameter flags as a table per policy that takes them; checked with the policy's parser. */
function paramOverrides(flags: SimulateFlags): Partial<Record<PolicyName, Record<string, unknown>>> {
  const out: Partial<Record<PolicyName, Record<string, unknown>>> = {};
  for (const [option, key] of PARAM_FLAGS) {
    const value = flags[option];
    if (value === undefined) continue;
    for (const policy of PARAM_OPTIONS[option].policies) out[policy] = { ...out[policy], [key]: value };
  }
  for (const [policy, table] of Object.entries(out)) {
    try {
      buildParams(policy as PolicyName, table);
    } catch (e) {
      throw new CliError(`--${(e as Error).message.replace(/_/g, '-')}`, EXIT.USAGE);
    }
  }
  return out;
}

function withOverrides(s: Scenario, overrides: Partial<Record<PolicyName, Record<string, unknown>>>): Scenario {
  return { ...s, domains: s.domains.map((d) => ({ ...d, params: Object.fromEntries(POLICY_NAMES.map((p) => [p, { ...d.params[p], ...overrides[p] }])) })) };
}

function runsOf(flags: SimulateFlags): string[] | undefined {
  if (flags.policy === undefined) return undefined;
  const names = flags.policy.split(',').map((x) => x.trim()).filter(Boolean);
  const valid = [...POLICY_NAMES, CONFIGURED_RUN] as string[];
  const bad = names.find((n) => !valid.includes(n));
  if (bad !== undefined || names.length === 0) throw new CliError(`--policy: "${bad ?? ''}" is not one of ${valid.join(', ')}`, EXIT.USAGE);
  return names;
}

function unitsOf(flags: SimulateFlags): UnitRun[] | undefined {
  if (flags.units === undefined) return undefined;
  const names = flags.units.split(',').map((x) => x.trim()).filter(Boolean);
  const valid: readonly string[] = UNIT_RUNS;
  const bad = names.find((n) => !valid.includes(n));
  if (bad !== undefined || names.length === 0) throw new CliError(`--units: "${bad ?? ''}" is not one of ${UNIT_RUNS.join(', ')}`, EXIT.USAGE);
  return [...new Set(names)] as UnitRun[];
}

async function simulate(file: string, flags: SimulateFlags): Promise<SimulationResult> {
  const text = readInputText(file, 'scenario or trace');
  const runs = runsOf(flags);
  const units = unitsOf(flags);
  const overrides = paramOverrides(flags);
  const compareNoReap = flags.reap ? undefined : true;
  if (looksLikeTrace(file, text)) {
    const intervalMs = parseDurationMs(flags.interval);
    if (intervalMs === undefined || intervalMs <= 0) throw new CliError(`--interval: "${flags.interval}" is not a duration`, EXIT.USAGE);
    if (runs?.includes(CONFIGURED_RUN)) throw new CliError('--policy: "configured" applies to scenarios, not traces', EXIT.USAGE);
    if (units !== undefined) throw new CliError('--units applies to scenarios, not traces (a trace carries no scope directories)', EXIT.USAGE);
    // Loaded on demand: only traces need the snapshot reader.
    const { loadTrace } = await import('../../sim/trace/load.js');
    const trace = loadTrace(text, basename(file), intervalMs);
    return replayTrace(trace, { ...(runs ? { runs } : {}), compareNoReap: compareNoReap ?? false, params: overrides });
  }
  const scenario = withOverrides(parseScenario(text, file, basename(file).replace(/\.[^.]*$/, '')), overrides);
  return simulateScenario(scenario, { ...(runs ? { runs } : {}), ...(compareNoReap ? { compareNoReap } : {}), ...(units ? { units } : {}) });
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('Run the policies on a scenario or a recorded trace in a virtual kernel, and compare them')
    .argument('<file>', 'a scenario (TOML or JSON; see scenarios/) or a trace (NDJSON from reapd record)')
    .option('--policy <list>', `policies to compare, comma-separated: ${[...POLICY_NAMES, CONFIGURED_RUN].join(', ')} (default: the scenario's runs, or all four)`)
    .option('--units <list>', `run each policy once per kill unit, comma-separated: ${UNIT_RUNS.join(', ')} (scope stage off, scope then the policy's process, the whole scope; default: the scenario's units, or as each domain configures)`)
    .option('--no-reap', 'also run each policy without reaping (as if process_mrelease were missing), side by side')
    .option('--json', 'print the results as JSON (format in docs/simulator.md)')
    .option('--report <file>', 'write a self-contained HTML report with charts')
    .option('--interval <duration>', 'traces whose snapshots carry no timeMs: time between them', '100ms')
    .option('--minfree <size>', 'simple-lmk: minfree (overrides the scenario)')
    .option('--reclaim-timeout <duration>', 'simple-lmk: reclaim timeout')
    .option('--levels <table>', 'lowmemorykiller and lmkd: MINFREE:ADJ,… ascending')
    .option('--death-pending <duration>', 'lowmemorykiller: death-pending hold-off')
    .option('--kill-timeout <duration>', 'lmkd: kill timeout')
    .option('--pick <how>', 'lmkd: heaviest or lru')
    .option('--mem-available <percent>', 'oom-score: act at or below this % of memory available')
    .option('--swap-free <percent>', 'oom-score: … and at or below this % of swap free')
    .action(async (file: string, flags: SimulateFlags) => {
      let result: SimulationResult;
      try {
        result = await simulate(file, flags);
      } catch (e) {
        if (e instanceof ScenarioError) throw new CliError(e.message, EXIT.INPUT);
        if (e instanceof SimError) throw new CliError(e.message, EXIT.USAGE);
        if ((e as { code?: unknown }).code === 'REAPD_SNAPSHOT_INVALID') throw new CliError(`${file}: ${(e as Error).message}`, EXIT.INPUT);
        throw e;
      }
      if (flags.report !== undefined) {
        try {
          writeFileSync(flags.report, htmlReport(result));
        } catch (e) {
          throw new CliError(`cannot write ${flags.report}: ${(e as Error).message}`, EXIT.FAILURE);
        }
        process.stderr.write(`reapd: report written to ${flags.report}\n`);
      }
      process.stdout.write(flags.json ? jsonReport(result) : textReport(result));
    });
}
