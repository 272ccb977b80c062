// `--memcg PATH` on every command that reads a live cgroup: one check, one message, one
// exit code (EXIT.CONFIG, as `run` and `check-config` give for the same path in a file),
// before any work is done.
import { cgroupDirProblem } from '../config/paths.js';
import { CliError, EXIT } from './exit-codes.js';

export function requireCgroupDir(path: string | undefined, flag = '--memcg'): void {
  if (path === undefined) return;
  const problem = cgroupDirProblem(path);
  if (problem !== undefined) throw new CliError(`${flag}: ${problem}`, EXIT.CONFIG);
}
