// Which exit code a failed start ends with (docs/cli.md): a configuration that cannot
// work here is EXIT.CONFIG (3), a missing kernel feature EXIT.UNSUPPORTED (4), a missing
// privilege EXIT.PERMISSION (5), anything else EXIT.FAILURE (1).
import { TriggerError } from '../kernel/triggers/index.js';
import { errorCode } from '../kernel/sys/index.js';
import { DomainPathError } from '../kernel/procfs/domain-kind.js';
import { PlanError } from './trigger-plan.js';

export const START_EXIT = { FAILURE: 1, CONFIG: 3, UNSUPPORTED: 4, PERMISSION: 5 } as const;

export function startErrorExitCode(e: unknown): number {
  if (e instanceof PlanError) return e.kind === 'config' ? START_EXIT.CONFIG : START_EXIT.UNSUPPORTED;
  if (e instanceof DomainPathError) return START_EXIT.CONFIG;
  if (e instanceof TriggerError) return e.code === 'TRIGGER_BAD_SPEC' ? START_EXIT.CONFIG : START_EXIT.UNSUPPORTED;
  const code = errorCode(e);
  if (code === 'EACCES' || code === 'EPERM') return START_EXIT.PERMISSION;
  if (code === 'ENOENT') return START_EXIT.CONFIG;
  return START_EXIT.FAILURE;
}
