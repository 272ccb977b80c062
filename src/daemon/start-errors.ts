// Which exit code a failed start ends with (docs/cli.md): a configuration that cannot
// work here is EXIT.CONFIG (3), a missing kernel feature EXIT.UNSUPPORTED (4), a missing
// privilege EXIT.PERMISSION (5), anything else EXIT.FAILURE (1).
import { TriggerError } from '../kernel/triggers/types.js';
import { errorCode } from '../kernel/sys/errors.js';
import { DomainPathError } from '../kernel/procfs/domain-kind.js';
import { EXIT } from '../model/exit-codes.js';
import { PlanError } from './trigger-plan.js';

export function startErrorExitCode(e: unknown): number {
  if (e instanceof PlanError) return e.kind === 'config' ? EXIT.CONFIG : EXIT.UNSUPPORTED;
  if (e instanceof DomainPathError) return EXIT.CONFIG;
  if (e instanceof TriggerError) return e.code === 'TRIGGER_BAD_SPEC' ? EXIT.CONFIG : EXIT.UNSUPPORTED;
  const code = errorCode(e);
  if (code === 'EACCES' || code === 'EPERM') return EXIT.PERMISSION;
  if (code === 'ENOENT') return EXIT.CONFIG;
  return EXIT.FAILURE;
}
