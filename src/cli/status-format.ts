// `reapd status` / `reapd top` text: per domain the trigger, headroom against the kill and
// warning levels, the next three victims, the counters; then the latest kills.
import { formatKiB } from '../model/units.js';

interface Proc { pid: number; uid: number; name: string; oomScoreAdj: number; sizeKiB: number }
interface DomainStatus {
  name: string; policy: string; memcg: string | null; triggers: string[]; dryRun: boolean;
  headroomKiB: number | null; warnHeadroomKiB: number | null; availableKiB: number | null; next: Proc[];
  stats: { events: number; reclaims: number; absorbed: number; kills: number };
}
interface Kill { time: string; pid: number; name: string; sizeKiB: number; domain?: string; reason: string; reaped: boolean }
export interface StatusView { version: string; pid: number; domains: DomainStatus[]; lastKills: Kill[] }

const kib = (v: number | null): string => (v === null ? '?' : v < 0 ? `-${formatKiB(-v)}` : formatKiB(v));

function state(d: DomainStatus): string {
  if (d.headroomKiB === null) return 'unknown';
  if (d.headroomKiB <= 0) return 'AT THE KILL LEVEL';
  if (d.warnHeadroomKiB !== null && d.headroomKiB <= d.warnHeadroomKiB) return 'WARNING';
  return 'ok';
}

export function formatStatus(s: StatusView): string {
  const out = [`reapd ${s.version} (pid ${s.pid}): ${s.domains.length} domain(s)`, ''];
  for (const d of s.domains) {
    out.push(`${d.name}  ${d.policy}${d.dryRun ? ' [DRY RUN]' : ''}  ${d.memcg ?? 'whole machine'}  — ${state(d)}`);
    out.push(`  trigger   ${d.triggers.join(', ') || 'none'}`);
    out.push(`  headroom  ${kib(d.headroomKiB)} above the kill level (warns at ${kib(d.warnHeadroomKiB)}); available ${kib(d.availableKiB)}`);
    out.push(`  next      ${d.next.length === 0 ? 'nobody' : d.next.map((p) => `${p.name}(${p.pid}, uid ${p.uid}, adj ${p.oomScoreAdj}, ${formatKiB(p.sizeKiB)})`).join(', ')}`);
    out.push(`  counts    ${d.stats.events} events, ${d.stats.reclaims} reclaims, ${d.stats.absorbed} absorbed, ${d.stats.kills} kills`, '');
  }
  out.push(s.lastKills.length === 0 ? 'no kills since reapd started' : 'last kills:');
  for (const k of s.lastKills.slice(-5).reverse()) {
    out.push(`  ${k.time}  ${k.name}(${k.pid})  ${formatKiB(k.sizeKiB)}  ${k.domain ?? ''}  ${k.reason}${k.reaped ? ', reaped' : ''}`);
  }
  return `${out.join('\n')}\n`;
}
