// The two forms of `reapd explain`: text for people, one JSON object per snapshot for tools.
import { formatKiB } from '../model/units.js';
import type { RankedCandidate, Skip, SkipReason } from '../model/decision.js';
import type { LevelReport } from '../policy/types.js';
import type { FrameReport } from './explain-core.js';

/** comm can hold newlines, tabs and escape sequences; show them, never act on them. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function skipCounts(skipped: readonly Skip[]): Array<[SkipReason, number]> {
  const counts = new Map<SkipReason, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  // A loop, not Math.max(...rows): `--top 0` on 300,000 processes overflowed the stack.
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

function levelLines(levels: readonly LevelReport[]): string[] {
  const rows = levels.map((l, i) => [
    String(i + 1),
    formatKiB(l.minfreeKiB),
    String(l.adj),
    l.freeBelow ? 'yes' : 'no',
    l.fileBelow ? 'yes' : 'no',
    l.applies ? '<- applies' : '',
  ]);
  return table(['LEVEL', 'MINFREE', 'ADJ', 'FREE BELOW', 'FILE BELOW', ''], rows, new Set([0, 1, 2]));
}

function headerLines(r: FrameReport): string[] {
  const s = r.snapshot;
  const m = s.memory;
  const when = s.timeMs !== undefined ? ` at ${new Date(s.timeMs).toISOString()}` : '';
  const frame = r.frames > 1 ? `, frame ${r.frame + 1} of ${r.frames}` : '';
  const domain = s.cgroup
    ? `cgroup ${s.cgroup.path} (usage ${formatKiB(s.cgroup.usageKiB)}, limit ${s.cgroup.limitKiB === null ? 'none' : formatKiB(s.cgroup.limitKiB)})`
    : 'the whole machine';
  const swap = m.swapTotalKiB > 0 ? `swap ${formatKiB(m.swapFreeKiB)} free of ${formatKiB(m.swapTotalKiB)}` : 'no swap';
  const lines = [
    `Policy ${r.policy}: ${r.paramsText}`,
    `Snapshot ${r.source}${frame}${when}: ${domain}, ${s.processes.length} processes`,
    `Memory: total ${formatKiB(m.totalKiB)}, free ${formatKiB(m.freeKiB)}, available ${formatKiB(m.availableKiB)}, ` +
      `cached ${formatKiB(m.cachedKiB)}, ${swap}`,
  ];
  if (r.minAdj) lines.push(`min_adj ${r.minAdj.adj}: ${r.minAdj.leftOut} processes below it left out of the candidates, as the daemon does`);
  if (r.legacyLevels) {
    lines.push(`Levels were old-style oom_adj (${r.legacyLevels.map((l) => l.adj).join(', ')}) and were converted to oom_score_adj`);
  }
  return lines;
}

function candidateLines(candidates: readonly RankedCandidate[], top: number): string[] {
  if (candidates.length === 0) return ['Candidates: none'];
  const shown = top > 0 ? candidates.slice(0, top) : candidates;
  const rows = shown.map((c) => [
    String(c.rank),
    String(c.pid),
    String(c.oomScoreAdj),
    c.score !== undefined && c.score !== c.oomScoreAdj ? String(c.score) : '',
    formatKiB(c.sizeKiB),
    printable(c.name),
    c.note ?? '',
  ]);
  const lines = [
    `Candidates: ${candidates.length}, ranked (1 = first to die)`,
    ...table(['RANK', 'PID', 'ADJ', 'SCORE', 'SIZE', 'NAME', 'NOTE'], rows, new Set([0, 1, 2, 3, 4])),
  ];
  if (shown.length < candidates.length) lines.push(`  ... and ${candidates.length - shown.length} more (--top 0 shows all)`);
  return lines;
}

function scopeLines(r: FrameReport, top: number): string[] {
  const sc = r.decision.scopes;
  if (!sc) return [];
  const shown = top > 0 ? sc.ranking.slice(0, top) : sc.ranking;
  const rows = shown.map((s) => [
    String(s.rank),
    printable(s.path),
    s.tier,
    String(s.processes),
    formatKiB(s.sizeKiB),
    s.growthKiB === null ? '-' : `${s.growthKiB < 0 ? '-' : '+'}${formatKiB(Math.abs(s.growthKiB))}`,
    printable(s.note),
  ]);
  const how = sc.rank === 'growth' ? `grown most over ${sc.windowMs / 1000} s first, then largest` : 'largest first';
  const lines = [
    `Scopes: ${sc.ranking.length}, ranked ${how}; kill_unit ${sc.killUnit}${sc.chosen ? `; chosen ${printable(sc.chosen)}` : '; none chosen'}`,
    ...table(['RANK', 'SCOPE', 'TIER', 'PROCS', 'SIZE', 'GROWTH', 'NOTE'], rows, new Set([0, 3, 4, 5])),
  ];
  if (shown.length < sc.ranking.length) lines.push(`  ... and ${sc.ranking.length - shown.length} more (--top 0 shows all)`);
  lines.push(sc.chosen ? `Processes of ${printable(sc.chosen)}:` : 'Processes:');
  return lines;
}

function victimLines(r: FrameReport): string[] {
  const d = r.decision;
  if (d.victims.length === 0) return ['Victims: none'];
  const lines = ['Victims, in kill order:'];
  d.victims.forEach((v, i) => {
    lines.push(`  ${i + 1}. ${printable(v.name)} (pid ${v.pid}, adj ${v.oomScoreAdj}, uid ${v.uid}) frees ${formatKiB(v.sizeKiB)}`);
    lines.push(`     ${printable(v.why)}`);
    if (v.scope !== undefined) lines.push(`     scope ${printable(v.scope)} (${formatKiB(v.scopeKiB ?? 0)}): ${printable(v.scopeWhy ?? '')}`);
  });
  const total = d.victims.reduce((sum, v) => sum + v.sizeKiB, 0);
  const target = d.targetKiB !== undefined ? ` (target ${formatKiB(d.targetKiB)})` : '';
  lines.push(`  Total: ${d.victims.length} process${d.victims.length === 1 ? '' : 'es'}, ${formatKiB(total)}${target}`);
  return lines;
}

/** The human form of one frame. `top` limits the candidate table (0: all). */
export function formatFrame(r: FrameReport, top: number): string {
  // Array literals, not push(...list): a call's arguments live on the stack, and the
  // candidate table of `--top 0` on 300,000 processes overflowed it.
  let lines = [...headerLines(r), ''];
  if (r.trigger) {
    lines = [...lines, `Trigger: ${r.trigger.active ? 'act' : 'nothing to do'}`, ...r.trigger.lines.map((l) => `  ${l}`), ...(r.trigger.levels ? levelLines(r.trigger.levels) : []), ''];
  }
  lines = [...lines, ...scopeLines(r, top), ...candidateLines(r.decision.candidates, top), '', ...victimLines(r), ''];
  const counts = skipCounts(r.decision.skipped);
  const total = r.decision.skipped.length;
  lines.push(total === 0 ? 'Skipped: none' : `Skipped: ${total} (${counts.map(([k, n]) => `${k} ${n}`).join(', ')})`);
  lines.push(`Decision: ${printable(r.decision.summary)}`);
  return lines.join('\n');
}

/** The JSON form of one frame: `victims` in kill order first, then everything behind them. */
export function frameJson(r: FrameReport): Record<string, unknown> {
  const d = r.decision;
  const out: Record<string, unknown> = {
    frame: r.frame,
    source: r.source,
    policy: r.policy,
    victims: d.victims.map((v) => ({
      pid: v.pid,
      name: v.name,
      oomScoreAdj: v.oomScoreAdj,
      sizeKiB: v.sizeKiB,
      uid: v.uid,
      startTime: v.startTime,
      rssAnonKiB: v.rssAnonKiB,
      reason: v.reason,
      why: v.why,
      ...(v.scope !== undefined ? { scope: v.scope, scopeKiB: v.scopeKiB, scopeWhy: v.scopeWhy } : {}),
    })),
    reason: d.reason,
    summary: d.summary,
    params: r.params,
    paramsText: r.paramsText,
    nowMs: r.nowMs,
    domain: r.snapshot.cgroup ? r.snapshot.cgroup.path : 'machine',
    candidates: d.candidates,
    skipped: d.skipped,
    skippedCounts: Object.fromEntries(skipCounts(d.skipped)),
    state: d.state,
  };
  if (r.snapshot.timeMs !== undefined) out.timeMs = r.snapshot.timeMs;
  if (d.targetKiB !== undefined) out.targetKiB = d.targetKiB;
  if (r.trigger) out.trigger = { active: r.trigger.active, values: r.trigger.values, levels: r.trigger.levels, lines: r.trigger.lines };
  if (r.legacyLevels) out.legacyLevels = r.legacyLevels;
  if (r.minAdj) out.minAdj = r.minAdj;
  if (d.scopes) out.scopes = d.scopes;
  return out;
}
