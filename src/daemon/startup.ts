// The capability probe, logged once at start (DESIGN.md example 11), and a warning for each
// missing privilege with what it costs.
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';

export interface StartupCapabilities {
  psi: boolean;
}

/** CapEff bit n of this process. */
function hasCap(bit: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && ((BigInt(`0x${m[1] ?? '0'}`) >> BigInt(bit)) & 1n) === 1n;
}

export function probeAndLog(logger: Logger, config: Config): StartupCapabilities {
  const psi = existsSync('/proc/pressure/memory');
  const capSysResource = hasCap(24);
  logger.info('capabilities', `capabilities: PSI ${psi ? 'on' : 'off'}, CAP_SYS_RESOURCE ${capSysResource ? 'yes' : 'no'}`, { psi, capSysResource });
  if (!capSysResource) {
    logger.warn('capability-warning',
      'no CAP_SYS_RESOURCE: PSI triggers accept only 2 s-multiple windows (events up to 2 s late) and oom_score_adj cannot be lowered to -1000; ' +
        'run as a service with AmbientCapabilities=CAP_SYS_RESOURCE', { capability: 'CAP_SYS_RESOURCE' });
  }
  if (!psi && config.domains.some((d) => d.policy === 'simple-lmk')) {
    logger.warn('capability-warning', 'PSI is off (/proc/pressure is missing; boot with psi=1): pressure policies need it', { capability: 'psi' });
  }
  return { psi };
}
