// `reapd ctl`: talk to a running reapd's lmkd-compatible control socket
// (docs/control-socket.md). Each invocation is one connection, and the server serves at
// most 3: a 4th makes it drop all the others (lmkd's rule), so do not run `ctl` next to
// three long-lived clients.
// Exit codes: 0 ok; 1 no server on the socket, no reply, connection lost, a failed
// update-props, or a procprio/procremove/target the daemon refused, rate-limited or dropped
// (reapd's outcome query, REAPD_OUTCOME); 2 bad arguments (USAGE); 5 the socket refused us (PERMISSION).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from '../exit-codes.js';
import { ControlError, describeOutcome, LmkdClient, OUTCOME_STATUS, type KillStat, type Outcome } from '../../control/client.js';
import { DEFAULT_SOCKET_PATH } from '../../control/socket-path.js';
import { KILL_REASON } from '../../control/kill-stat.js';
import { parseLevels } from '../../policy/params.js';
import type { Level } from '../../policy/table.js';
import { formatKiB } from '../../model/units.js';

interface CtlOptions {
  socket: string;
  timeout: string;
}

function intArg(name: string, text: string, min = -(2 ** 31), max = 2 ** 31 - 1): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new CliError(`${name} "${text}" is not a whole number in [${min}, ${max}]`, EXIT.USAGE);
  return n;
}

function ctlOptions(cmd: Command): CtlOptions {
  return cmd.optsWithGlobals<CtlOptions>();
}

/** Connect, run, close; ControlErrors become exit codes. */
async function withClient<T>(cmd: Command, f: (c: LmkdClient) => Promise<T>): Promise<T> {
  const opts = ctlOptions(cmd);
  const timeoutMs = intArg('--timeout', opts.timeout, 1);
  let client: LmkdClient;
  try {
    client = await LmkdClient.connect(opts.socket, { replyTimeoutMs: timeoutMs });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new CliError(msg, /EACCES|EPERM/.test(msg) ? EXIT.PERMISSION : EXIT.FAILURE);
  }
  try {
    return await f(client);
  } catch (e) {
    if (e instanceof ControlError) throw new CliError(e.message, e.code === 'bad-argument' ? EXIT.USAGE : EXIT.FAILURE);
    throw e;
  } finally {
    await client.close();
  }
}

const REASON_NAMES = new Map<number, string>(Object.entries(KILL_REASON).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]));

function statLine(s: KillStat): string {
  const rss = s.rssBytes >= 0 ? formatKiB(Math.round(s.rssBytes / 1024)) : 'unknown';
  return `stat '${s.taskName}' uid ${s.uid} adj ${s.oomScore} rss ${rss} reason ${REASON_NAMES.get(s.killReason) ?? s.killReason}`;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function subscribe(cmd: Command, o: { stats?: boolean; warnings?: boolean; json?: boolean; count?: string }): Promise<void> {
  const limit = o.count === undefined ? Infinity : intArg('--count', o.count, 1);
  await withClient(cmd, async (c) => {
    let seen = 0;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const seenOne = (line: string): void => {
      out(line);
      if (++seen >= limit) finish();
    };
    c.onKill((e) => seenOne(o.json ? JSON.stringify({ event: 'kill', time: new Date().toISOString(), ...e }) : `kill pid ${e.pid} uid ${e.uid}`));
    c.onStat((s) => seenOne(o.json ? JSON.stringify({ event: 'stat', time: new Date().toISOString(), ...s }) : statLine(s)));
    c.onWarning((w) => seenOne(o.json ? JSON.stringify({ event: 'warning', time: new Date().toISOString(), ...w }) : `warning #${w.rank} pid ${w.pid} uid ${w.uid} size ${formatKiB(w.sizeKiB)} headroom ${formatKiB(w.headroomKiB)}`));
    await c.subscribe('kill');
    if (o.stats) await c.subscribe('stat');
    if (o.warnings) await c.subscribe('warning');
    const what = ['kill events', o.stats && 'kill statistics', o.warnings && 'warnings'].filter(Boolean).join(', ');
    process.stderr.write(`subscribed to ${what} on ${ctlOptions(cmd).socket}\n`);
    const stop = (): void => finish();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await Promise.race([done, c.closed]);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (c.isClosed && seen < limit && limit !== Infinity) throw new CliError('the server closed the connection', EXIT.FAILURE);
  });
}

/** The daemon refused, rate-limited or dropped the command: exit 1 with its reason. */
function refuseUnlessOk(o: Outcome): void {
  if (o.status !== OUTCOME_STATUS.OK) throw new CliError(`the daemon did not do it: ${describeOutcome(o)}`, EXIT.FAILURE);
}

/** /proc/PID/oom_score_adj, or undefined when it cannot be read (gone, another pid namespace). */
function readAdj(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  const ctl = program
    .command('ctl')
    .description("Talk to a running reapd's lmkd-compatible control socket (register processes, set the minfree table, watch kills)")
    .option('--socket <path>', 'control socket', DEFAULT_SOCKET_PATH)
    .option('--timeout <ms>', 'how long to wait for a reply', '5000');

  ctl
    .command('procprio <pid> <uid> <adj>')
    .description('register (or update) a process at an oom_score_adj (LMK_PROCPRIO); exit 1 with the reason when the daemon refused')
    .option('--service', 'process type service (1) instead of app (0)')
    .action(async (pid: string, uid: string, adj: string, o: { service?: boolean }, cmd: Command) => {
      const p = intArg('pid', pid, 1);
      const a = intArg('adj', adj, -1000, 1000);
      // LMK_PROCPRIO has no reply: reapd's outcome query (REAPD_OUTCOME) says what the daemon
      // did with it ("sent" and exit 0 while the daemon refused misled: issue 11). A server
      // that does not know the query (lmkd) leaves the process's oom_score_adj to read back.
      const outcome = await withClient(cmd, async (c) => {
        await c.procPrio(p, intArg('uid', uid), a, o.service ? 'service' : 'app');
        return c.outcome();
      });
      if (outcome) {
        refuseUnlessOk(outcome);
        out(`procprio: pid ${p} registered at adj ${a}`);
        return;
      }
      const now = readAdj(p);
      if (now !== undefined && now !== a) {
        throw new CliError(`procprio: the daemon did not register pid ${p} at adj ${a} (its oom_score_adj is ${now}): refused or failed; the daemon's log says why (control.refused, control.adj-failed)`, EXIT.FAILURE);
      }
      out(`procprio sent: pid ${p} adj ${a}${now === a ? ' (applied)' : ''}`);
    });

  ctl
    .command('procremove <pid>')
    .description('unregister a process (LMK_PROCREMOVE; owner only, or a record whose client left)')
    .action(async (pid: string, _o: unknown, cmd: Command) => {
      const p = intArg('pid', pid, 1);
      const outcome = await withClient(cmd, async (c) => {
        await c.procRemove(p);
        return c.outcome();
      });
      if (outcome) refuseUnlessOk(outcome);
      out(`procremove ${outcome ? 'done' : 'sent'}: pid ${p}`);
    });

  ctl
    .command('procpurge')
    .description('unregister every record this connection owns and every unclaimed one (LMK_PROCPURGE)')
    .action(async (_o: unknown, cmd: Command) => {
      await withClient(cmd, (c) => c.procPurge());
      out('procpurge sent');
    });

  ctl
    .command('target <levels>')
    .description('set the minfree/adj table (LMK_TARGET), e.g. 6MiB:0,8MiB:100,16MiB:200,64MiB:900; at most one update per second (exit 1 when rate-limited or no domain takes it)')
    .action(async (text: string, _o: unknown, cmd: Command) => {
      let levels: Level[];
      try {
        levels = parseLevels(text);
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e), EXIT.USAGE);
      }
      // LMK_TARGET has no reply either: the daemon may rate-limit it (one per second) or have
      // no domain that takes a table; the outcome query tells (lmkd: unknown, "sent").
      const outcome = await withClient(cmd, async (c) => {
        await c.target(levels);
        return c.outcome();
      });
      if (outcome) refuseUnlessOk(outcome);
      out(`target ${outcome ? 'applied' : 'sent'}: ${levels.map((l) => `${formatKiB(l.minfreeKiB)}:${l.adj}`).join(', ')}`);
    });

  ctl
    .command('killcnt [min] [max]')
    .description('kills with MIN <= adj <= MAX (LMK_GETKILLCNT); without arguments, every kill')
    .action(async (min: string | undefined, max: string | undefined, _o: unknown, cmd: Command) => {
      if ((min === undefined) !== (max === undefined)) throw new CliError('give both MIN and MAX, or neither', EXIT.USAGE);
      const range = min === undefined || max === undefined ? undefined : ([intArg('min', min), intArg('max', max)] as const);
      out(String(await withClient(cmd, (c) => (range ? c.getKillCount(range[0], range[1]) : c.getKillCount()))));
    });

  ctl
    .command('subscribe')
    .description('print kill events (LMK_PROCKILL) as they come; with --stats also kill statistics, with --warnings the warnings before a kill')
    .option('--stats', 'also subscribe to kill statistics (LMK_STAT_KILL_OCCURRED)')
    .option('--warnings', "also subscribe to warnings before a kill (reapd's event 16: REAPD_WARNING, one line per next victim)")
    .option('--json', 'one JSON object per line')
    .option('--count <n>', 'exit after n events')
    .action((o: { stats?: boolean; warnings?: boolean; json?: boolean; count?: string }, cmd: Command) => subscribe(cmd, o));

  ctl
    .command('update-props')
    .description('ask reapd to reload its configuration (LMK_UPDATE_PROPS); exit 1 when it could not')
    .action(async (_o: unknown, cmd: Command) => {
      const ok = await withClient(cmd, (c) => c.updateProps());
      out(ok ? 'configuration reloaded' : 'reload failed (see the daemon log)');
      if (!ok) process.exitCode = EXIT.FAILURE;
    });

  ctl
    .command('start-monitoring')
    .description('start pressure monitoring if it was deferred (LMK_START_MONITORING)')
    .action(async (_o: unknown, cmd: Command) => {
      await withClient(cmd, (c) => c.startMonitoring());
      out('start-monitoring sent');
    });
}
