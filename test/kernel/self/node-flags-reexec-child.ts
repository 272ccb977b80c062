// For self-protect-flags.test.ts: prints its pid and Node flags, then asks to be
// re-executed under the recommended flags, then prints the outcome.
import { reexecWithNodeFlags } from '../../../src/kernel/self/node-flags.js';

process.stdout.write(`${JSON.stringify({ stage: 'start', pid: process.pid, execArgv: process.execArgv })}\n`);
const outcome = reexecWithNodeFlags();
process.stdout.write(`${JSON.stringify({ stage: 'after', pid: process.pid, execArgv: process.execArgv, outcome })}\n`);
