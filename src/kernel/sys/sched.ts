// Scheduling: real-time priority for the kill path (SCHED_RESET_ON_FORK so children do
// not inherit it, §5.3) and for victims (seed 000: SCHED_RR at the lowest RT priority),
// and CPU affinity (seed 000 lets a victim run on every CPU).
import { check, func, type KoffiFunction } from './ffi.js';

export const SCHED_OTHER = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_RESET_ON_FORK = 0x40000000;

interface SchedFns {
  setscheduler: KoffiFunction;
  getscheduler: KoffiFunction;
  setaffinity: KoffiFunction;
}
let fns: SchedFns | undefined;

function b(): SchedFns {
  fns ??= {
    setscheduler: func('int sched_setscheduler(int pid, int policy, void *param)'),
    getscheduler: func('int sched_getscheduler(int pid)'),
    setaffinity: func('int sched_setaffinity(int pid, unsigned long size, void *mask)'),
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

