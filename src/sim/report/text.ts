// The human report: the verdict first (what each run lost, which did best and why), then
// per run each kill (who, when, why, what it freed), the totals and the losses per adj
// band; then every run side by side.
import { ADJ_BANDS, type KillEntry, type RunResult, type SimulationResult } from '../results.js';
import { comparisonRows } from './comparison.js';
import { duration, formatKiB, seconds, table } from './format.js';
import { CRITERION, OVERSHOOT_WORDS, verdict } from './verdict.js';
import { bestSentence, runSentence } from './verdict-words.js';

/** Wrap a paragraph at 100 columns for a terminal; later lines indented by `hang` more. */
function wrap(text: string, indent: string, hang = '', width = 100): string[] {
  const out: string[] = [];
  let line = '';
  const lead = (): string => (out.length === 0 ? indent : indent + hang);
  for (const word of text.split(' ')) {
    if (line && lead().length + line.length + 1 + word.length > width) {
      out.push(lead() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(lead() + line);
  return out;
}

function verdictSection(r: SimulationResult): string[] {
  const v = verdict(r);
  const out = ['== Verdict', '', ...wrap(bestSentence(v), '  '), ...wrap(`Criterion: ${CRITERION}`, '  '), ''];
  for (const run of v.runs) {
    out.push(`  ${run.label}${run.best ? '  [best]' : ''}`);
    out.push(...wrap(runSentence(run), '    '));
    for (const remark of run.remarks) out.push(...wrap(`- ${remark}`, '    ', '  '));
  }
  for (const remark of v.remarks) out.push(...wrap(`- ${remark}`, '  ', '  '));
  out.push('', ...wrap(OVERSHOOT_WORDS, '  '), '');
  return out;
}

function header(r: SimulationResult): string[] {
  const domains = r.domains
    .map((d) => `${d.name} (${d.kind}, ${formatKiB(d.sizeKiB)}${d.swapKiB > 0 ? `, swap ${formatKiB(d.swapKiB)}` : ', no swap'})`)
    .join('; ');
  const what = r.kind === 'scenario' ? 'Scenario' : 'Trace';
  return [
    `${what}: ${r.name}${r.description ? ` — ${r.description}` : ''}`,
    `Simulated ${duration(r.durationMs)} in ticks of ${r.tickMs} ms; ${r.processes} processes; ${r.domains.length === 1 ? 'domain' : 'domains'}: ${domains}`,
  ];
}

function exitText(k: KillEntry): string {
  if (k.exitAtMs === null) return 'never';
  return `+${seconds(k.exitAtMs - k.atMs)}`;
}

function killRows(kills: readonly KillEntry[], multiDomain: boolean): string[] {
  const head = ['time', ...(multiDomain ? ['domain'] : []), 'pid', 'name', 'adj', 'expected', 'freed', 'reaped', 'exit', 'by'];
  const rows = kills.map((k) => [
    seconds(k.atMs),
    ...(multiDomain ? [k.domain] : []),
    String(k.pid),
    k.name,
    String(k.oomScoreAdj),
    formatKiB(k.sizeKiB),
    formatKiB(k.freedKiB),
    k.reaped ? formatKiB(k.reapedKiB) : 'no',
    exitText(k),
    k.by === 'kernel-oom' ? 'KERNEL OOM' : 'policy',
  ]);
  const lines = table([head, ...rows], multiDomain ? 'rlrlrrrrrl' : 'rrlrrrrrl');
  const out = [`  ${lines[0]}`];
  kills.forEach((k, i) => {
    out.push(`  ${lines[i + 1]}`);
    out.push(`      why: ${k.why}`);
    if (k.scope !== undefined) out.push(`      scope: ${k.scope} (${formatKiB(k.scopeKiB ?? 0)}): ${k.scopeWhy ?? ''}`);
    if (k.notes.length > 0) out.push(`      notes: ${k.notes.join(', ')}`);
  });
  return out;
}

function runSection(run: RunResult, multiDomain: boolean): string[] {
  const s = run.summary;
  const policies = run.domains.map((d) => (multiDomain ? `${d.name}: ${d.policy}` : d.policy)).join(', ');
  const out = [`== ${run.label} — ${policies}; reaping ${run.reap}`, ''];
  out.push(run.kills.length === 0 ? '  No kills.' : `  Kills (${run.kills.length}):`);
  if (run.kills.length > 0) out.push(...killRows(run.kills, multiDomain));
  out.push('');
  const overshoots = run.reclaims.map((r, i) => `#${i + 1} at ${seconds(r.atMs)}: needed ${formatKiB(r.neededKiB)}, freed ${formatKiB(r.freedKiB)}${r.timedOut ? ' (timed out)' : ''}`);
  if (overshoots.length > 0) out.push(`  Reclaims (${overshoots.length}):`, ...overshoots.map((l) => `    ${l}`));
  out.push(
    `  Freed ${formatKiB(s.freedKiB)}; overshoot ${formatKiB(s.overshootKiB)}; critical pressure ${seconds(s.criticalMs)}; stall ${seconds(s.stallMs)}; ` +
      `kernel OOM kills ${s.kernelOomKills}; reclaim timeouts ${s.reclaimTimeouts}`,
  );
  out.push(`  Lost by adj band: ${ADJ_BANDS.map((b) => `${b}: ${s.lostByBand[b]}`).join(', ')}`);
  if (multiDomain) {
    for (const d of run.domains) {
      out.push(`  ${d.name} (${d.policy}): critical ${seconds(d.criticalMs)}, stall ${seconds(d.stallMs)}, blocked ${seconds(d.blockedMs)}, peak used ${formatKiB(d.peakUsedKiB)}, reclaims ${d.reclaims}`);
    }
  }
  out.push('');
  return out;
}

export function textReport(r: SimulationResult): string {
  const multiDomain = r.domains.length > 1;
  const out = [...header(r), '', ...verdictSection(r)];
  for (const run of r.runs) out.push(...runSection(run, multiDomain));
  out.push('== Comparison', '');
  const rows = comparisonRows(r.runs).map((row) => [row.metric, ...row.values]);
  out.push(...table([['', ...r.runs.map((run) => run.label)], ...rows]).map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}
