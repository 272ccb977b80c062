// Runs protectSelf() in a child (so the test runner's own oom_score_adj, locks and
// scheduling stay untouched), churns the heap the way V8 decommits pages (§5.1: with
// mlockall this aborts with exit 133), and prints the report with what /proc says.
//   node protect-child.js [rt]
import { readdirSync, readFileSync } from 'node:fs';
import { protectSelf } from '../../../src/kernel/self/protect.js';

function statusKiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? NaN);
}

/** Scheduling policy of each thread: field 41 of /proc/self/task/TID/stat. */
function threadPolicies(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[tid] = Number(fields[38]);
  }
  return out;
}

const rssBeforeKiB = statusKiB('VmRSS');
const report = protectSelf({
  ...(process.argv[2] === 'rt' ? { realtimeMainThread: { policy: 'rr', priority: 1 } } : {}),
  ...(process.argv.includes('onfault') ? { lockOnFault: true } : {}),
});
const lockedKiB = statusKiB('VmLck');
const rssAfterKiB = statusKiB('VmRSS');
// Heap churn: 64 MB of Buffers and a million objects, then GC-driven decommit.
let keep: unknown[] = [];
for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(1 << 20, 1));
keep = [];
for (let i = 0; i < 1_000_000; i++) keep.push({ i, s: `x${i}` });
keep = [];
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({
    report, lockedKiB, rssBeforeKiB, rssAfterKiB, pid: process.pid, policies: threadPolicies(),
    oomScoreAdj: Number(readFileSync('/proc/self/oom_score_adj', 'utf8')),
  })}\n`);
}, 300);
