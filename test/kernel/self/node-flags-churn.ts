// A synthetic daemon workload for measuring RSS under Node flags (kernel-interfaces §5.4):
// load the koffi binding, then repeat what a reclaim does to the heap — build a snapshot of
// 2,000 processes, rank it, serialise a decision — ROUNDS times, idle a second, and print
// the process's memory. Run as `node [FLAGS] self-protect-churn.js [ROUNDS]`.
import { readFileSync } from 'node:fs';
import { getpid } from '../../../src/kernel/sys/process.js';

interface FakeProcess { pid: number; name: string; adj: number; rssKiB: number; cmdline: string; cgroup: string }

function snapshot(round: number): FakeProcess[] {
  const out: FakeProcess[] = [];
  for (let i = 0; i < 2000; i++) {
    out.push({
      pid: 1000 + i, name: `proc-${i % 97}-${round}`, adj: (i * 37) % 1001, rssKiB: (i * 7919) % 500_000,
      cmdline: `/usr/bin/some-program --flag=${i} --round=${round}`, cgroup: `/user.slice/app-${i % 13}.scope`,
    });
  }
  return out;
}

function kiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 300);
  getpid(); // koffi loaded and bound, as in the daemon
  const started = process.hrtime.bigint();
  let keep = '';
  for (let r = 0; r < rounds; r++) {
    const ranked = snapshot(r).sort((a, b) => b.adj - a.adj || b.rssKiB - a.rssKiB);
    keep = JSON.stringify({ round: r, victims: ranked.slice(0, 10) });
    if (r % 10 === 0) await new Promise((res) => setImmediate(res));
  }
  const churnMs = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise((res) => setTimeout(res, 1000));
  process.stdout.write(`${JSON.stringify({
    rssKiB: kiB('VmRSS'), anonKiB: kiB('RssAnon'), fileKiB: kiB('RssFile'), hwmKiB: kiB('VmHWM'),
    churnMs: Math.round(churnMs), execArgv: process.execArgv, last: keep.length,
  })}\n`);
}

void main();
