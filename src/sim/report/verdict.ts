// The verdict every report opens with: per run, what was lost (processes and the memory
// they held, by adj band), how long the domain was under critical pressure, the overshoot,
// and which run did best by one stated criterion. The text, JSON and HTML reports all
// render this one object, so scripts and people read the same facts.
import { ADJ_BANDS, type AdjBand, type RunResult, type SimulationResult } from '../results.js';
import { runRemarks, reapingRemarks } from './remarks.js';

interface BandLoss {
  band: AdjBand;
  processes: number;
  /** What the victims held when killed (the size the policy weighed), KiB. */
  heldKiB: number;
}

export interface RunVerdict {
  label: string;
  lostProcesses: number;
  lostKiB: number;
  /** Every band, in ADJ_BANDS order (zero rows included: a stable shape for scripts). */
  lostByBand: BandLoss[];
  kernelOomKills: number;
  criticalMs: number;
  stallMs: number;
  /** Σ over reclaims of what the policy needed by its own rule, KiB. */
  neededKiB: number;
  freedKiB: number;
  overshootKiB: number;
  reclaimTimeouts: number;
  /** True when this run is among the best by the criterion. */
  best: boolean;
  /** Observations worth a reader's attention (a leak reached last, frozen victims …). */
  remarks: string[];
}

export interface Verdict {
  /** The ranking rule, in words. */
  criterion: string;
  /** Labels of the best runs (several when they tie on every step of the criterion). */
  best: string[];
  runs: RunVerdict[];
  /** Observations across runs (what reaping changed). */
  remarks: string[];
}

/** Plain words for each band, as Android and Chrome assign them (docs/policies.md). */
export const BAND_WORDS: Record<AdjBand, string> = {
  '<0': 'protected (adj < 0)',
  '0-199': 'foreground and ordinary (adj 0–199)',
  '200-599': 'visible or perceptible (adj 200–599)',
  '600-899': 'background (adj 600–899)',
  '900-1000': 'cached (adj 900–1000)',
};

export const CRITERION =
  'fewest kernel OOM kills (the policy was too late); then fewest processes lost at adj below 900, ' +
  'counting the most important band first (adj < 0, then 0–199, 200–599, 600–899); then least time ' +
  'under critical pressure; then fewest cached processes (adj 900–1000, which exist to be killed first) ' +
  'lost; then least stall; then least overshoot (times and sizes as printed, to 0.1 s and 0.1 MiB).';

export const OVERSHOOT_WORDS =
  'Overshoot is memory freed beyond what the policy itself needed at each decision (by its own rule: ' +
  'simple-lmk its minfree, the table policies enough to leave their top level, oom-score enough to lift ' +
  'available memory above its threshold). A killer frees whole processes, so some overshoot is normal; ' +
  'a large one means it killed a big process for a small need.';

function bandLosses(run: RunResult): BandLoss[] {
  const rows = new Map<AdjBand, BandLoss>(ADJ_BANDS.map((b) => [b, { band: b, processes: 0, heldKiB: 0 }]));
  for (const k of run.kills) {
    const row = rows.get(k.band);
    if (!row) continue;
    row.processes += 1;
    row.heldKiB += k.sizeKiB;
  }
  return ADJ_BANDS.map((b) => rows.get(b) as BandLoss);
}

/** Times and sizes at the resolution the reports print (0.1 s, 0.1 MiB): a difference
 *  a reader cannot see does not decide. */
const tenthS = (ms: number): number => Math.round(ms / 100);
const tenthMiB = (kib: number): number => Math.round(kib / 102.4);

/** The criterion as a sort key, smaller is better; bands before 900 in importance order. */
function rankKey(v: RunVerdict): number[] {
  const lost = (b: AdjBand): number => v.lostByBand.find((x) => x.band === b)?.processes ?? 0;
  return [v.kernelOomKills, lost('<0'), lost('0-199'), lost('200-599'), lost('600-899'), tenthS(v.criticalMs), lost('900-1000'), tenthS(v.stallMs), tenthMiB(v.overshootKiB)];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function runVerdict(r: SimulationResult, run: RunResult): RunVerdict {
  const byBand = bandLosses(run);
  return {
    label: run.label,
    lostProcesses: run.kills.length,
    lostKiB: byBand.reduce((s, b) => s + b.heldKiB, 0),
    lostByBand: byBand,
    kernelOomKills: run.summary.kernelOomKills,
    criticalMs: run.summary.criticalMs,
    stallMs: run.summary.stallMs,
    neededKiB: run.reclaims.reduce((s, x) => s + x.neededKiB, 0),
    freedKiB: run.summary.freedKiB,
    overshootKiB: run.summary.overshootKiB,
    reclaimTimeouts: run.summary.reclaimTimeouts,
    best: false,
    remarks: runRemarks(r, run),
  };
}

export function verdict(r: SimulationResult): Verdict {
  const runs = r.runs.map((run) => runVerdict(r, run));
  let bestKey: number[] | null = null;
  for (const v of runs) {
    const key = rankKey(v);
    if (bestKey === null || compareKeys(key, bestKey) < 0) bestKey = key;
  }
  for (const v of runs) v.best = bestKey !== null && compareKeys(rankKey(v), bestKey) === 0;
  return { criterion: CRITERION, best: runs.filter((v) => v.best).map((v) => v.label), runs, remarks: reapingRemarks(r.runs) };
}
