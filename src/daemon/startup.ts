// The capability probe (src/kernel/probe.ts), run and logged once at start (DESIGN.md
// example 11), with a warning for each missing privilege or feature saying what it costs.
import type { Capabilities } from '../kernel/capabilities.js';
import { probeCapabilities } from '../kernel/probe.js';
import type { Config } from '../config/types.js';
import { POLICIES } from '../policy/registry.js';
import { triggerKindOf } from '../policy/types.js';
import type { Logger } from './logger.js';

interface StartupCapabilities {
  psi: boolean;
  capabilities: Capabilities;
}

/** One sentence per shortfall that matters for this configuration. */
function capabilityWarnings(c: Capabilities, config: Config): Array<{ capability: string; message: string }> {
  const out: Array<{ capability: string; message: string }> = [];
  const usesPsi = config.domains.some((d) => d.trigger.mode === 'psi' || (d.trigger.mode === 'auto' && (triggerKindOf(POLICIES[d.policy], d.params) === 'pressure' || d.psiGroup !== null)));
  if (!c.privileges.sysResource) {
    out.push({
      capability: 'CAP_SYS_RESOURCE',
      message: 'no CAP_SYS_RESOURCE: ' +
        (usesPsi ? 'PSI triggers accept only 2 s-multiple windows (events up to 2 s late; reapd falls back and says so), and ' : '') +
        'reapd cannot lower its own oom_score_adj to -1000; run it as a service with AmbientCapabilities=CAP_SYS_RESOURCE (or OOMScoreAdjust=-1000)',
    });
  }
  if (!c.psi.present && usesPsi) out.push({ capability: 'PSI', message: `PSI is off (${c.psi.detail}): boot with psi=1; pressure triggers cannot be armed` });
  if (!c.pidfd.processMrelease) out.push({ capability: 'process_mrelease', message: `process_mrelease is missing (${c.pidfd.detail}): victims free their memory only as they exit (kernel 5.15+ reaps at once)` });
  if (!c.pidfd.open) out.push({ capability: 'pidfd', message: `pidfd_open is missing (${c.pidfd.detail}): reapd cannot kill safely on this kernel` });
  if (config.daemon.selfProtect && !c.privileges.sysNice) {
    out.push({ capability: 'CAP_SYS_NICE', message: 'no CAP_SYS_NICE: the kill thread and boosted victims stay at normal priority' });
  }
  return out;
}

export function probeAndLog(logger: Logger, config: Config): StartupCapabilities {
  const c = probeCapabilities();
  const psi = c.psi.present ? `PSI ${c.psi.triggers} triggers` : 'no PSI';
  const cg = [c.cgroup.v1Memory ? 'cgroup v1 memory' : null, c.cgroup.v2Root ? `cgroup2${c.cgroup.v2Memory ? ' (memory)' : ''}` : null].filter(Boolean).join(', ');
  const caps = ['sysResource', 'kill', 'sysNice', 'ipcLock'].filter((k) => c.privileges[k as keyof Capabilities['privileges']] === true);
  logger.info('capabilities',
    `kernel ${c.kernel.release} ${c.kernel.arch}; ${psi}; ${cg || 'no cgroups'}; pidfd ${c.pidfd.open ? 'yes' : 'no'}, ` +
      `process_mrelease ${c.pidfd.processMrelease ? 'yes' : 'no'}; capabilities: ${caps.length > 0 ? caps.join(', ') : 'none of the useful ones'}`,
    { capabilities: c });
  for (const w of capabilityWarnings(c, config)) logger.warn('capability-warning', w.message, { capability: w.capability });
  return { psi: c.psi.present, capabilities: c };
}
