// Scheduling: real-time priority for the kill path (SCHED_RESET_ON_FORK so children do
// not inherit it, §5.3) and for victims (seed 000: SCHED_RR at the lowest RT priority),
// and CPU affinity (seed 000 lets a victim run on every CPU).
import { availableParallelism } from 'node:os';
import { check, func, type KoffiFunction } from './ffi.js';

export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_RESET_ON_FORK = 0x40000000;

interface SchedFns {
  setscheduler: KoffiFunction;
  getscheduler: KoffiFunction;
  setaffinity: KoffiFunction;
  getaffinity: KoffiFunction;
  getcpu: KoffiFunction;
}
let fns: SchedFns | undefined;

function b(): SchedFns {
  fns ??= {
    setscheduler: func('int sched_setscheduler(int pid, int policy, void *param)'),
    getscheduler: func('int sched_getscheduler(int pid)'),
    setaffinity: func('int sched_setaffinity(int pid, unsigned long size, void *mask)'),
    getaffinity: func('int sched_getaffinity(int pid, unsigned long size, void *mask)'),
    getcpu: func('int sched_getcpu(void)'),
  };
  return fns;
}

/** sched_setscheduler(2) on one thread (tid; 0 = the calling thread). Needs CAP_SYS_NICE for RT. */
export function schedSetscheduler(tid: number, policy: number, priority: number): void {
  const param = Buffer.alloc(4);
  param.writeInt32LE(priority, 0);
  check('sched_setscheduler', b().setscheduler(tid, policy, param) as number);
}

export function schedGetscheduler(tid: number): number {
  return check('sched_getscheduler', b().getscheduler(tid) as number);
}

// 1024 CPUs, the size glibc's cpu_set_t uses.
const CPU_SET_BYTES = 128;

/** Allow a thread to run on every CPU that exists (seed 000: set_cpus_allowed_ptr(cpu_all_mask)). */
export function schedAllowAllCpus(tid: number): void {
  const mask = Buffer.alloc(CPU_SET_BYTES, 0xff);
  check('sched_setaffinity', b().setaffinity(tid, CPU_SET_BYTES, mask) as number);
}

export function schedSetaffinity(tid: number, cpus: readonly number[]): void {
  const mask = Buffer.alloc(CPU_SET_BYTES);
  for (const cpu of cpus) mask[cpu >> 3] = (mask[cpu >> 3] ?? 0) | (1 << (cpu & 7));
  check('sched_setaffinity', b().setaffinity(tid, CPU_SET_BYTES, mask) as number);
}

export function schedGetaffinity(tid: number): number[] {
  const mask = Buffer.alloc(CPU_SET_BYTES);
  check('sched_getaffinity', b().getaffinity(tid, CPU_SET_BYTES, mask) as number);
  const cpus: number[] = [];
  const limit = Math.max(availableParallelism(), CPU_SET_BYTES * 8);
  for (let cpu = 0; cpu < limit; cpu++) if (((mask[cpu >> 3] ?? 0) >> (cpu & 7)) & 1) cpus.push(cpu);
  return cpus;
}

/** The CPU the calling thread runs on now (sched_getcpu(3)). */
export function schedGetcpu(): number {
  return check('sched_getcpu', b().getcpu() as number);
}
