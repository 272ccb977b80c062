// Observations the verdict adds to the numbers: the cases a reader should not have to
// find in the kill table. Each is a plain sentence, derived only from the run's kills,
// reclaims and domain summaries, so it reads the same in text, JSON and HTML.
import type { KillEntry, RunResult, SimulationResult } from '../results.js';
import { formatKiB, seconds } from './format.js';

/** Total stall of one domain beyond which the report calls it thrashing: ten seconds of
 *  PSI-like "some" stall over a run is several freezes a user notices. */
const THRASH_STALL_MS = 10_000;
/** Swap counts as full from 99 % used: the simulator's swap-out stops a few pages short. */
const SWAP_FULL = 0.99;
const FROZEN_NOTE = 'frozen, not thawed (thaw = false)';
const NO_REAP = ' (no reap)';

function names(kills: readonly KillEntry[], max = 4): string {
  const shown = kills.slice(0, max).map((k) => k.name);
  return kills.length > max ? `${shown.join(', ')} and ${kills.length - max} more` : shown.join(', ');
}

function adjRange(kills: readonly KillEntry[]): string {
  const adjs = kills.map((k) => k.oomScoreAdj);
  const lo = Math.min(...adjs);
  const hi = Math.max(...adjs);
  return lo === hi ? `adj ${lo}` : `adj ${lo}–${hi}`;
}

/**
 * Collateral victims: a domain where pressure came back after each of several kills and
 * ended only when the policy reached one process that held more than all earlier victims
 * together, at a lower adj than every one of them (desktop-leak: eight tabs die for a
 * leaking daemon). "Ended" means no kill for the rest of the run, longer than any gap
 * between the earlier kills.
 */
function collateral(r: SimulationResult, domain: string, kills: readonly KillEntry[]): string | null {
  if (kills.length < 3) return null;
  const last = kills[kills.length - 1] as KillEntry;
  const earlier = kills.slice(0, -1);
  const earlierKiB = earlier.reduce((s, k) => s + k.sizeKiB, 0);
  if (last.sizeKiB <= earlierKiB || earlier.some((k) => k.oomScoreAdj <= last.oomScoreAdj)) return null;
  let longestGap = 0;
  for (let i = 1; i < kills.length; i++) longestGap = Math.max(longestGap, (kills[i]?.atMs ?? 0) - (kills[i - 1]?.atMs ?? 0));
  const quietAfter = r.durationMs - last.atMs;
  if (quietAfter <= longestGap) return null;
  const where = r.domains.length > 1 ? ` in ${domain}` : '';
  return (
    `Pressure${where} came back after each of the first ${earlier.length} kills (${names(earlier)}; ${adjRange(earlier)}, ` +
    `${formatKiB(earlierKiB)} together) and ended only when ${last.name} (adj ${last.oomScoreAdj}, ${formatKiB(last.sizeKiB)}) was killed ` +
    `at ${seconds(last.atMs)}: it held more than all of them together, and they died first only because their adj was higher.`
  );
}

function frozen(run: RunResult): string | null {
  const victims = run.kills.filter((k) => k.notes.includes(FROZEN_NOTE));
  if (victims.length === 0) return null;
  const stuck = victims.filter((k) => k.exitAtMs === null);
  const reaped = stuck.filter((k) => k.reaped && k.reapedKiB > 0);
  const held = stuck.filter((k) => !(k.reaped && k.reapedKiB > 0));
  const one = victims.length === 1;
  const parts = [`${one ? 'One victim was' : `${victims.length} victims were`} frozen and could not be thawed (${names(victims)})`];
  if (reaped.length > 0) {
    parts.push(`${names(reaped)} never exited, but reaping freed ${formatKiB(reaped.reduce((s, k) => s + k.reapedKiB, 0))} of ${reaped.length === 1 ? 'its' : 'their'} memory at the kill anyway`);
  }
  if (held.length > 0) {
    parts.push(`${names(held)} never exited and ${held.length === 1 ? 'was' : 'were'} not reaped: the ${formatKiB(held.reduce((s, k) => s + k.sizeKiB - k.freedKiB, 0))} ${held.length === 1 ? 'it' : 'they'} held stayed taken`);
  }
  return `${parts.join('; ')}.`;
}

function kernelOom(run: RunResult): string | null {
  const victims = run.kills.filter((k) => k.by === 'kernel-oom');
  if (victims.length === 0) return null;
  return `The kernel's OOM killer killed ${names(victims)}: allocations stayed blocked, the policy acted too late.`;
}

/** A domain whose swap (zram) filled: from then on only kills free anonymous memory. */
function swapFull(r: SimulationResult, run: RunResult, domain: string): string | null {
  const size = r.domains.find((d) => d.name === domain)?.swapKiB ?? 0;
  const t = run.timelines.get(domain);
  if (size <= 0 || !t) return null;
  let peak = 0;
  let fullTicks = 0;
  for (const v of t.swapKiB) {
    peak = Math.max(peak, v);
    if (v >= size * SWAP_FULL) fullTicks++;
  }
  if (fullTicks === 0) return null;
  const where = r.domains.length > 1 ? `Swap in ${domain}` : 'Swap';
  return `${where} filled (${formatKiB(peak)} of ${formatKiB(size)}) and was full for ${seconds(fullTicks * t.tickMs)} in all: then only a kill could free anonymous memory.`;
}

export function runRemarks(r: SimulationResult, run: RunResult): string[] {
  const out: string[] = [];
  if (run.kills.length === 0) out.push('Killed nothing.');
  for (const d of run.domains) {
    const kills = run.kills.filter((k) => k.domain === d.name && k.by === 'policy');
    const c = collateral(r, d.name, kills);
    if (c) out.push(c);
    const sw = swapFull(r, run, d.name);
    if (sw) out.push(sw);
    if (d.stallMs >= THRASH_STALL_MS) {
      const where = r.domains.length > 1 ? d.name : 'The domain';
      out.push(`${where} stalled for ${seconds(d.stallMs)} in total (PSI-like): it thrashed, slow for its users even where nothing died.`);
    }
  }
  const fz = frozen(run);
  if (fz) out.push(fz);
  const oom = kernelOom(run);
  if (oom) out.push(oom);
  if (run.summary.reclaimTimeouts > 0) {
    const n = run.summary.reclaimTimeouts;
    out.push(`${n} ${n === 1 ? 'reclaim' : 'reclaims'} timed out waiting for ${n === 1 ? 'its victim' : 'their victims'} to exit (frozen, in uninterruptible sleep or CPU-starved).`);
  }
  return out;
}

/** What reaping changed: each run beside its "(no reap)" twin, when both are present. */
export function reapingRemarks(runs: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const off of runs) {
    if (!off.label.endsWith(NO_REAP)) continue;
    const label = off.label.slice(0, -NO_REAP.length);
    const on = runs.find((v) => v.label === label);
    if (!on) continue;
    const spared = new Set(on.kills.map((k) => `${k.domain}/${k.pid}`));
    const extra = off.kills.filter((k) => !spared.has(`${k.domain}/${k.pid}`));
    const critOn = on.summary.criticalMs;
    const critOff = off.summary.criticalMs;
    if (extra.length === 0 && on.kills.length === off.kills.length && critOn === critOff) {
      out.push(`Reaping changed nothing for ${label}.`);
      continue;
    }
    const parts = [`Without reaping, ${label} lost ${off.kills.length} ${off.kills.length === 1 ? 'process' : 'processes'} instead of ${on.kills.length}`];
    if (extra.length > 0) parts[0] += ` (also ${extra.map((k) => `${k.name} at adj ${k.oomScoreAdj}`).join(', ')})`;
    if (critOn !== critOff) parts.push(`spent ${seconds(critOff)} under critical pressure instead of ${seconds(critOn)}`);
    out.push(`${parts.join(' and ')}.`);
  }
  return out;
}
