// The watchdog's own reclaim, for when the main loop is stalled under critical memory:
// scan the domain, let the configured policy decide on that snapshot, kill through the
// kill path, wait for the victims, and say all of it loudly — on the watchdog thread,
// because the main thread cannot log while it is stuck.
import type { Killer, KillResult, ProcessSource } from '../../engine/ports.js';
import { formatKiB } from '../../model/units.js';
import { decideAfresh } from '../../engine/domain.js';
import type { Log } from '../logger.js';
import type { WatchdogAction, WatchdogDomainConfig } from './watchdog.js';
import type { DomainMemory } from '../../kernel/procfs/headroom.js';

export interface EmergencyDeps {
  killer: Killer;
  log: Log;
  nowMs(): number;
  wallMs(): number;
}

function describeResult(r: KillResult, exitMs: number | null | undefined): string {
  const v = r.victim;
  const who = `${v.name} (pid ${v.pid}, oom_score_adj ${v.oomScoreAdj}, ${formatKiB(v.sizeKiB)})`;
  if (!r.killed) return `could not kill ${who}: ${r.error ?? 'not killed'}`;
  const reap = r.reaped ? `reaped in ${r.reapMs ?? '?'} ms` : 'not reaped';
  const exit = exitMs === null || exitMs === undefined ? 'not exited yet' : `exited after ${exitMs} ms`;
  return `killed ${who}; ${reap}, ${exit}`;
}

interface EmergencyContext {
  selfPid: number;
  exitTimeoutMs: number;
  /** The domain's process source. */
  source: ProcessSource;
}

/** Run one emergency reclaim in one domain. Returns the action, or undefined when the policy chose nobody. */
export async function emergencyReclaim(
  config: WatchdogDomainConfig,
  ctx: EmergencyContext,
  deps: EmergencyDeps,
  silentMs: number,
  mem: DomainMemory,
): Promise<WatchdogAction | undefined> {
  const { log } = deps;
  const domain = config.name;
  log.error('watchdog-stall',
    `WATCHDOG: the main event loop has not answered for ${Math.round(silentMs)} ms while memory is critical ` +
      `(${mem.describe}); the watchdog thread picks and kills a victim itself${config.dryRun ? ' [DRY RUN]' : ''}`,
    { domain, silentMs: Math.round(silentMs), headroomKiB: mem.headroomKiB });
  // The domain's own decision (src/engine/domain.ts): its policy, parameters and rules,
  // min_adj among them, from the policy's initial state — this thread shares no state
  // with the main loop's engine.
  const settings = {
    name: domain, policy: config.policy, params: config.params, rules: config.rules,
    minAdj: config.minOomScoreAdj, reclaimTimeoutMs: ctx.exitTimeoutMs, dryRun: config.dryRun,
  };
  const decision = decideAfresh(settings, await ctx.source.scan(), deps.nowMs(), ctx.selfPid);
  if (decision.victims.length === 0) {
    log.error('watchdog-no-victim', `WATCHDOG: ${config.policy} chose no victim: ${decision.summary}`, { domain });
    return undefined;
  }
  const results = await deps.killer.kill(decision.victims, { dryRun: config.dryRun });
  const exitMs = config.dryRun ? results.map(() => null) : await deps.killer.waitForExit(results, ctx.exitTimeoutMs);
  results.forEach((r, i) => {
    log.error('watchdog-kill', `WATCHDOG${config.dryRun ? ' [DRY RUN]' : ''}: ${describeResult(r, exitMs[i])} — ${r.victim.why}`, {
      domain, pid: r.victim.pid, name: r.victim.name, killed: r.killed, reaped: r.reaped, exitMs: exitMs[i] ?? null,
    });
  });
  return {
    domain,
    wallMs: deps.wallMs(), silentMs: Math.round(silentMs), memory: mem.describe, policy: config.policy,
    summary: decision.summary, results, exitMs, dryRun: config.dryRun,
  };
}
