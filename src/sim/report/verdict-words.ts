// The verdict in sentences, the same words in the text report, the JSON and the HTML.
import { formatKiB, seconds } from './format.js';
import { BAND_WORDS, type RunVerdict, type Verdict } from './verdict.js';

/** "Best by the criterion below: oom-score." */
export function bestSentence(v: Verdict): string {
  if (v.best.length === 0) return 'No runs.';
  if (v.best.length === 1) return `Best by the criterion below: ${v.best[0]}.`;
  return `Best by the criterion below, tied on every step of it: ${v.best.join(', ')}.`;
}

/** "9 processes holding 7.6 GiB: 1 foreground and ordinary (adj 0–199) holding 4.6 GiB, …" */
function lossWords(v: RunVerdict): string {
  if (v.lostProcesses === 0) return 'no process';
  const bands = v.lostByBand
    .filter((b) => b.processes > 0)
    .map((b) => `${b.processes} ${BAND_WORDS[b.band]} holding ${formatKiB(b.heldKiB)}`);
  const total = `${v.lostProcesses} ${v.lostProcesses === 1 ? 'process' : 'processes'} holding ${formatKiB(v.lostKiB)}`;
  return `${total}: ${bands.join(', ')}`;
}

/** One paragraph per run: losses, pressure, overshoot, the kernel's OOM kills. */
export function runSentence(v: RunVerdict): string {
  const parts = [`Lost ${lossWords(v)}.`];
  parts.push(`${seconds(v.criticalMs)} under critical pressure, ${seconds(v.stallMs)} of stall.`);
  if (v.freedKiB > 0 || v.neededKiB > 0) {
    parts.push(`Freed ${formatKiB(v.freedKiB)} where it needed ${formatKiB(v.neededKiB)}: overshoot ${formatKiB(v.overshootKiB)}.`);
  }
  if (v.kernelOomKills > 0) parts.push(`The kernel's OOM killer struck ${v.kernelOomKills} ${v.kernelOomKills === 1 ? 'time' : 'times'}.`);
  return parts.join(' ');
}
