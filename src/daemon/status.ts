// What `reapd status` / `reapd top` and D-Bus GetStatus show: per domain the trigger, the
// headroom against the kill level and the warning level, the next three victims (a scan
// and a pure decision: nothing is killed), the counters; and the daemon's latest kills.
import type { KillRecord } from '../model/kill-record.js';
import { WARN_DEFAULTS } from '../config/schema.js';
import type { LiveDomain as Domain } from './live-domain.js';
import { warnHeadroomKiB, type WarnedProcess } from './warning.js';

interface DomainStatus {
  name: string;
  policy: string;
  memcg: string | null;
  triggers: string[];
  dryRun: boolean;
  headroomKiB: number | null;
  warnHeadroomKiB: number | null;
  availableKiB: number | null;
  next: WarnedProcess[];
  stats: Domain['stats'];
}

export interface DaemonStatus {
  version: string;
  pid: number;
  domains: DomainStatus[];
  /** Newest last. */
  lastKills: KillRecord[];
}

async function domainStatus(d: Domain): Promise<DomainStatus> {
  const now = await d.memoryNow().catch(() => undefined);
  const next = await d.nextVictims().catch(() => []);
  const cg = now?.view.cgroup;
  const availableKiB = now === undefined ? null : cg && cg.limitKiB !== null ? Math.min(cg.limitKiB - cg.usageKiB, now.view.memory.availableKiB) : now.view.memory.availableKiB;
  return {
    name: d.name, policy: d.config.policy, memcg: d.config.memcg, triggers: d.triggerNames, dryRun: d.config.dryRun,
    headroomKiB: now ? Math.round(now.headroomKiB) : null,
    warnHeadroomKiB: now ? warnHeadroomKiB(d.config.warn ?? WARN_DEFAULTS, now.view) : null,
    availableKiB, next, stats: d.stats,
  };
}

export async function daemonStatus(domains: readonly Domain[], lastKills: readonly KillRecord[], version: string, pid: number): Promise<DaemonStatus> {
  return { version, pid, domains: await Promise.all(domains.map(domainStatus)), lastKills: [...lastKills] };
}
