// One log line per kill, in the seeds' style (seed 000: "Killing %s with adj %d to free
// %lu KiB"), with what reapd adds: the pid, uid, resident anon, the reason, the reap and
// the exit. Pure: the daemon's logger prints it.
import type { KillRecord } from '../model/kill-record.js';

/** comm may hold quotes, newlines and other control characters: show them escaped. */
export function quoteName(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1).replace(/'/g, "\\'");
  return `'${escaped}'`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function reapText(r: KillRecord): string {
  if (r.reaped) return `reaped in ${ms(r.reapMs ?? 0)} ms`;
  if (r.reapMs === null) return 'not reaped';
  return r.error?.startsWith('reap') || r.error?.startsWith('shared-mm') ? `not reaped (${r.error})` : 'not reaped (it released its memory first)';
}

function exitText(r: KillRecord): string {
  return r.exitMs === null ? 'still alive at the timeout' : `exited after ${ms(r.exitMs)} ms`;
}

/** Whether the record says SIGKILL went out (older records lack `killed`: infer it). */
export function wasKilled(r: KillRecord): boolean {
  if (r.killed !== undefined) return r.killed;
  return !r.dryRun && (r.error === undefined || r.error.startsWith('reap') || r.error.startsWith('shared-mm'));
}

export function formatKillLine(r: KillRecord): string {
  const who = `${quoteName(r.name)} (${r.pid}), uid ${r.uid}, oom_score_adj ${r.oomScoreAdj}`;
  const size = `${r.sizeKiB} KiB (anon ${r.anonKiB} KiB)`;
  const reason = `reason: ${r.reason}${r.why ? ` (${r.why})` : ''}`;
  const scope = r.scope !== undefined ? `; scope ${r.scope} (${r.scopeKiB ?? 0} KiB${r.scopeWhy ? `: ${r.scopeWhy}` : ''})` : '';
  const notes = `${scope}${r.notes && r.notes.length > 0 ? `; notes: ${r.notes.join('; ')}` : ''}`;
  if (r.dryRun) return `Would kill ${who} to free ${size}; ${reason}; dry run${notes}`;
  if (!wasKilled(r)) return `Did not kill ${who}: ${r.error ?? 'not killed'}; ${reason}${notes}`;
  return `Killing ${who} to free ${size}; ${reason}; ${reapText(r)}; ${exitText(r)}${notes}`;
}
