// The HTML report's opening: the verdict (best run by the stated criterion, then one card
// per run with its losses and remarks) and the terms it uses, in plain words.
import type { SimulationResult } from '../results.js';
import { escapeHtml as e } from './html-escape.js';
import { formatKiB, seconds } from './format.js';
import { BAND_WORDS, CRITERION, OVERSHOOT_WORDS, verdict, type RunVerdict } from './verdict.js';
import { bestSentence } from './verdict-words.js';

/** A run's verdict as figures a reader scans: the same facts as runSentence(). */
function figures(v: RunVerdict): string {
  const row = (k: string, val: string): string => `<tr><th>${e(k)}</th><td>${e(val)}</td></tr>`;
  const lost = v.lostProcesses === 0 ? 'nothing' : `${v.lostProcesses} ${v.lostProcesses === 1 ? 'process' : 'processes'}, ${formatKiB(v.lostKiB)}`;
  const rows = [row('lost', lost)];
  for (const b of v.lostByBand) if (b.processes > 0) rows.push(`<tr class="band"><th>${e(BAND_WORDS[b.band])}</th><td>${b.processes}, ${e(formatKiB(b.heldKiB))}</td></tr>`);
  rows.push(row('critical pressure', seconds(v.criticalMs)), row('stall', seconds(v.stallMs)));
  rows.push(row('overshoot', `${formatKiB(v.overshootKiB)} (freed ${formatKiB(v.freedKiB)}, needed ${formatKiB(v.neededKiB)})`));
  if (v.kernelOomKills > 0) rows.push(row('kernel OOM kills', String(v.kernelOomKills)));
  return `<table class="figures">${rows.join('')}</table>`;
}

export function verdictSection(r: SimulationResult): string {
  const v = verdict(r);
  const cards = v.runs.map((run) => {
    const remarks = run.remarks.length > 0 ? `<ul>${run.remarks.map((m) => `<li>${e(m)}</li>`).join('')}</ul>` : '';
    const badge = run.best ? '<span class="badge">best</span>' : '';
    return `<article class="card${run.best ? ' best' : ''}" data-run="${e(run.label)}"><h3>${e(run.label)}${badge}</h3>${figures(run)}${remarks}</article>`;
  });
  const across = v.remarks.length > 0 ? `<h3>What reaping changed</h3><ul class="remarks">${v.remarks.map((m) => `<li>${e(m)}</li>`).join('')}</ul>` : '';
  return [
    '<section id="verdict">',
    '<h2>Verdict</h2>',
    `<p class="best-line" data-best="${e(v.best.join(','))}">${e(bestSentence(v))}</p>`,
    `<p class="criterion">Criterion: ${e(CRITERION)}</p>`,
    across,
    `<div class="cards">${cards.join('')}</div>`,
    '</section>',
  ].join('\n');
}

const TERMS: ReadonlyArray<[string, string]> = [
  ['oom_score_adj (adj)', 'The priority the system gives each process for being killed, −1000 (never) to 1000 (first). Android and Chrome set it: foreground 0, visible 100–200, background 600–800, cached 900–999.'],
  ['Critical pressure', 'Time the memory pressure level was critical: an allocation was refused, or the page cache fell below half its working set. The machine feels frozen.'],
  ['Stall', 'The PSI-like "some" figure, summed over the run: time processes waited for memory. 1000 ms per second means something was always waiting.'],
  ['Overshoot', OVERSHOOT_WORDS],
  ['Needed', 'What the policy had to free at a decision by its own rule; the sum over all its decisions.'],
  ['Reaping', 'Freeing a killed process\'s memory at once (process_mrelease), without waiting for it to exit — it matters when a victim is frozen, asleep or starved of CPU.'],
  ['Kernel OOM kill', 'The kernel\'s own out-of-memory killer acted because allocations stayed blocked: the policy was too late.'],
  ['Headroom', 'The domain\'s size minus the memory processes and the kernel use; page cache counts as headroom, as the kernel can reclaim it.'],
];

export function termsSection(): string {
  const items = TERMS.map(([t, d]) => `<dt>${e(t)}</dt><dd>${e(d)}</dd>`).join('');
  return `<section id="terms"><h2>What the words mean</h2><dl class="terms">${items}</dl></section>`;
}
