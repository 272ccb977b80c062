// Per-process costs read from /proc: context switches of every thread (a context switch
// into sleep is a wakeup later), CPU time, RSS. Used to compare idle daemons side by side.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc/PID/stat times are in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** Sum over threads of voluntary_ctxt_switches (sleeps that ended in a wakeup). */
  voluntary: number;
  nonvoluntary: number;
  /** utime + stime of the whole process, seconds. */
  cpuSeconds: number;
  rssKiB: number;
  rssAnonKiB: number;
  hwmKiB: number;
  threads: number;
}

function statusField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function sampleProcess(pid: number): ProcSample {
  let voluntary = 0;
  let nonvoluntary = 0;
  const tasks = readdirSync(`/proc/${pid}/task`);
  for (const tid of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      voluntary += statusField(s, 'voluntary_ctxt_switches');
      nonvoluntary += statusField(s, 'nonvoluntary_ctxt_switches');
    } catch {
      /* a thread that ended between readdir and read */
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    voluntary,
    nonvoluntary,
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssKiB: statusField(status, 'VmRSS'),
    rssAnonKiB: statusField(status, 'RssAnon'),
    hwmKiB: statusField(status, 'VmHWM'),
    threads: tasks.length,
  };
}

export function meminfoKiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/meminfo`);
  return Number(m[1]);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
