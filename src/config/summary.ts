// A valid configuration in a few lines, for `reapd check-config` and the daemon's start log.
import { POLICIES } from '../policy/registry.js';
import type { ProtectionRules } from '../policy/types.js';
import type { Config, DomainConfig } from './types.js';

function rulesText(r: ProtectionRules): string {
  const parts = [`${r.protect.length} protect`, `${r.prefer.length} prefer`, `${r.avoid.length} avoid`];
  return `rules: ${parts.join(', ')}`;
}

function triggerText(d: DomainConfig): string {
  const t = d.trigger;
  // A policy that asks for its own PSI triggers (lmkd's PSI strategy) gets those instead of the domain's.
  const wants = t.mode === 'auto' || t.mode === 'psi' ? POLICIES[d.policy].psiTriggers?.(d.params) : undefined;
  const psi = wants
    ? wants.map((w) => `psi ${w.psiKind} ${w.stallMs}ms/${t.psiWindowMs}ms (${w.level})`).join(', ')
    : `psi ${t.psiKind} ${t.psiStallMs}ms/${t.psiWindowMs}ms`;
  const poll = `poll ${t.pollMinMs}–${t.pollMaxMs} ms`;
  return `trigger ${t.mode} (${psi}; ${poll}${d.psiGroup ? `; psi group ${d.psiGroup}` : ''})`;
}

/**
 * `triggers`: what `run` will really arm for a domain (check-config computes it with the
 * daemon's own trigger plan and this kernel); without it, the configured trigger settings.
 */
function describeDomain(d: DomainConfig, triggers?: (d: DomainConfig) => string): string[] {
  const where = d.memcg === null ? 'the whole machine' : `cgroup ${d.memcg}`;
  const policy = POLICIES[d.policy];
  return [
    `domain "${d.name}": ${where}, policy ${d.policy} (${policy.describeParams(d.params)})`,
    `  ${triggers ? triggers(d) : triggerText(d)}, reclaim timeout ${d.reclaimTimeoutMs} ms` +
      `${d.minAdj !== null ? `, only adj >= ${d.minAdj}` : ''}${d.dryRun ? ', DRY RUN' : ''}`,
    `  ${rulesText(d.rules)}`,
  ];
}

export function describeConfig(c: Config, triggers?: (d: DomainConfig) => string): string[] {
  const dm = c.daemon;
  return [
    `daemon: log ${dm.logFormat} (${dm.logLevel}), journal ${dm.journal ?? 'none'}, ` +
      `control socket ${dm.socket ?? 'none'}, self-protection ${dm.selfProtect ? 'on' : 'off'}, ` +
      `watchdog ${dm.watchdogMs > 0 ? `${dm.watchdogMs} ms` : 'off'}${dm.dryRun ? ', DRY RUN' : ''}`,
    `kill path: thaw ${c.kill.thaw ? 'on' : 'off'}, all CPUs ${c.kill.allCpus ? 'on' : 'off'}, RT boost ${c.kill.rtBoost ? 'on' : 'off'}, ` +
      `reap ${c.kill.reap ? `on (delay ${c.kill.reapDelayMs} ms)` : 'off'}`,
    ...c.domains.flatMap((d) => describeDomain(d, triggers)),
  ];
}

