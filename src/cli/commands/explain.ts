// `reapd explain`: which processes a policy would kill, in which order, and why — from a
// saved snapshot (JSON or NDJSON, docs/snapshot-format.md) or from the live system. It
// only explains: nothing here can send a signal.
// Exit codes: 0 ok; 2 bad flags (USAGE); 3 bad --config file; 6 unreadable or invalid
// snapshot (INPUT).
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';
import { requireCgroupDir } from '../memcg-flag.js';
import { readInputText } from '../input-file.js';
import { explainFrames, type ExplainSetup } from '../explain-core.js';
import { formatFrame, frameJson } from '../explain-format.js';
import { resolveExplainSetup, type ExplainOptions } from '../explain-setup.js';
import { parseSnapshotText } from '../../model/snapshot-io.js';
import { scanLiveSnapshot } from '../../kernel/source.js';
import { systemClock } from '../../kernel/clock.js';
import type { Snapshot } from '../../model/snapshot.js';
import { readScopeAttrs } from '../../kernel/scope-attrs.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function readSnapshots(path: string): Snapshot[] {
  const text = readInputText(path, 'snapshot');
  // All or nothing: explaining half a trace would carry the wrong state into the rest.
  const { snapshots, errors } = parseSnapshotText(text);
  if (errors.length > 0) {
    const list = errors.length === 1 ? errors[0] : `${errors.length} problems:\n  ${errors.join('\n  ')}`;
    throw new CliError(`invalid snapshot ${path}: ${list}`, EXIT.INPUT);
  }
  return snapshots;
}

async function liveSnapshot(memcg: string | undefined): Promise<Snapshot> {
  try {
    return await scanLiveSnapshot(memcg === undefined ? {} : { memcg });
  } catch (e) {
    throw new CliError(`cannot scan the live system: ${e instanceof Error ? e.message : String(e)}`, EXIT.UNSUPPORTED);
  }
}

/**
 * The live snapshot without the explaining process's own ancestors: `npm exec reapd`, the
 * shell, sudo. They are not what the user asks about, and one of them (the npm wrapper,
 * 60 MiB at adj 0) was victim #1 of `explain --minfree 512MiB`.
 */
function withoutAncestors(s: Snapshot, parentPid: number): Snapshot {
  const byPid = new Map(s.processes.map((p) => [p.pid, p]));
  const ancestors = new Set<number>();
  for (let pid = parentPid; pid > 1 && !ancestors.has(pid); pid = byPid.get(pid)?.ppid ?? 0) ancestors.add(pid);
  return { ...s, processes: s.processes.filter((p) => !ancestors.has(p.pid)) };
}

async function explain(opts: ExplainOptions): Promise<void> {
  requireCgroupDir(opts.memcg);
  const { memcg, ...resolved } = resolveExplainSetup(opts);
  const top = opts.top === undefined ? 20 : Number(opts.top);
  if (!Number.isInteger(top) || top < 0) throw new CliError(`--top "${opts.top}" is not a whole number`, EXIT.USAGE);
  let setup: ExplainSetup;
  let snapshots: Snapshot[];
  if (opts.snapshot !== undefined) {
    if (opts.memcg !== undefined) throw new CliError('--memcg is for the live system; a snapshot file names its own domain', EXIT.USAGE);
    snapshots = readSnapshots(opts.snapshot);
    setup = { ...resolved, source: opts.snapshot === '-' ? '(stdin)' : opts.snapshot };
  } else {
    const live = withoutAncestors(await liveSnapshot(opts.memcg ?? memcg), process.ppid);
    // The scopes' xattrs and memory.current, as the daemon's ScopeAttrSource adds them.
    snapshots = [resolved.scopes?.root ? { ...live, scopes: readScopeAttrs(resolved.scopes.root) } : live];
    // The explaining process stands where the daemon would: never a victim.
    setup = { ...resolved, source: 'live', selfPid: process.pid, untimedNowMs: systemClock.nowMs() };
  }
  const reports = explainFrames(snapshots, setup);
  const out = opts.json
    ? reports.map((r) => JSON.stringify(frameJson(r))).join('\n')
    : reports.map((r) => formatFrame(r, top)).join('\n\n');
  process.stdout.write(`${out}\n`);
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('Show which processes a policy would kill, in which order and why (never kills)')
    .option('-s, --snapshot <file>', 'snapshot file (JSON, or NDJSON with one snapshot per line; "-" for stdin); default: the live system')
    .option('-p, --policy <name>', 'simple-lmk, lowmemorykiller, lmkd or oom-score (default: the configured domain\'s, as `run` uses it)')
    .option('--json', 'one JSON object per snapshot, victims in kill order')
    .option('--top <n>', 'candidates to list in the human form; 0 for all', '20')
    .option('-c, --config <file>', 'take policy, parameters and rules from this configuration file (default: the embedded default, as `run`)')
    .option('--domain <name>', 'with --config: the [[domain]] to explain (default: the first)')
    .option('--memcg <path>', 'live: explain one cgroup domain (v1 memory or cgroup2 directory)')
    .option('--minfree <size>', 'simple-lmk: free at least this much per reclaim (e.g. 64MiB, 16384p)')
    .option('--reclaim-timeout <duration>', 'simple-lmk: wait this long for victims to die (e.g. 200ms)')
    .option('--levels <levels>', 'lowmemorykiller/lmkd: MINFREE:ADJ pairs, ascending (e.g. 6MiB:0,64MiB:900)')
    .option('--death-pending <duration>', 'lowmemorykiller: hold-off while the last victim dies (e.g. 1s)')
    .option('--kill-timeout <duration>', 'lmkd: no kill within this long of the last one (e.g. 100ms)')
    .option('--pick <pick>', 'lmkd: heaviest or lru')
    .option('--mem-available <percent>', 'oom-score: act at or below this % of available memory')
    .option('--swap-free <percent>', 'oom-score: ... and at or below this % of free swap')
    .option('--scope <mode>', 'none, or cgroup: rank cgroup2 scopes first, then the processes of the chosen one')
    .option('--scope-root <path>', 'cgroup2 directory whose children are the scopes')
    .option('--kill-unit <unit>', 'with --scope cgroup: process or cgroup (every member of the chosen scope)')
    .option('--scope-rank <rank>', 'with --scope cgroup: growth (the leaker first, then size) or size')
    .option('--protect <matcher>', 'never kill a match: name:RE, cmdline:RE, uid:N, cgroup:/path (repeatable)', collect)
    .option('--prefer <matcher>', 'kill a match first (repeatable)', collect)
    .option('--avoid <matcher>', 'kill a match last (repeatable)', collect)
    .action(explain);
}
