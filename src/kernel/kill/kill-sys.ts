// The kill path's view of the kernel: every system call and every /proc or cgroupfs
// access the killer makes goes through this one object. The real one wraps
// src/kernel/sys; tests wrap it in a spy (e.g. to prove process_mrelease is only ever
// called on a pidfd that was sent SIGKILL) or replace it to produce rare errnos
// (EAGAIN, EINVAL, ENOSYS) that a real kernel will not give on demand.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { close } from '../sys/io.js';
import { kcmp, pidfdOpen, pidfdSendSignal, processMrelease } from '../sys/process.js';
import { schedAllowAllCpus, schedGetaffinity, schedGetcpu, schedSetaffinity, schedSetscheduler } from '../sys/sched.js';

export interface KillSys {
  /** pidfd_open(pid, 0): throws ESRCH (gone), ENOENT (not a thread-group leader). */
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  processMrelease(pidfd: number): void;
  close(fd: number): void;
  /** kcmp(2): 0 when both share the resource. */
  kcmp(pid1: number, pid2: number, type: number): number;
  /** Text of /proc/PID/NAME (stat, cgroup, oom_score_adj). Throws ENOENT/ESRCH when gone. */
  readProc(pid: number, name: string): string;
  /** Thread-group ids listed in /proc. */
  listPids(): number[];
  /** Thread ids in /proc/PID/task. */
  listTasks(pid: number): number[];
  schedSetscheduler(tid: number, policy: number, priority: number): void;
  schedAllowAllCpus(tid: number): void;
  /** sched_setaffinity / sched_getaffinity / sched_getcpu, for whole-scope kills. Optional for test doubles. */
  schedSetaffinity?(tid: number, cpus: readonly number[]): void;
  schedGetaffinity?(tid: number): number[];
  currentCpu?(): number;
  readFile(path: string): string;
  writeFile(path: string, data: string): void;
  /** Names of the subdirectories of a directory (a cgroup's child groups). Optional for test doubles. */
  listDirs?(path: string): string[];
  /** mkdir that accepts an existing directory. */
  ensureDir(path: string): void;
  /** The daemon's own pid (never a victim, never a sharer we kill). */
  readonly selfPid: number;
}

function numericEntries(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

let scratch = Buffer.alloc(4096);

/**
 * open + read into a reused buffer + close: about half the cost of readFileSync for the
 * small /proc files the identity check reads before every SIGKILL (kernel-interfaces §4.4).
 */
function readSmall(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.alloc(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return scratch.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

export function realKillSys(): KillSys {
  return {
    pidfdOpen: (pid) => pidfdOpen(pid, 0),
    pidfdSendSignal: (fd, signal) => pidfdSendSignal(fd, signal, 0),
    processMrelease: (fd) => processMrelease(fd, 0),
    close: (fd) => close(fd),
    kcmp: (a, b, type) => kcmp(a, b, type),
    readProc: (pid, name) => readSmall(`/proc/${pid}/${name}`),
    listPids: () => numericEntries('/proc'),
    listTasks: (pid) => numericEntries(`/proc/${pid}/task`),
    schedSetscheduler: (tid, policy, prio) => schedSetscheduler(tid, policy, prio),
    schedAllowAllCpus: (tid) => schedAllowAllCpus(tid),
    schedSetaffinity: (tid, cpus) => schedSetaffinity(tid, cpus),
    schedGetaffinity: (tid) => schedGetaffinity(tid),
    currentCpu: () => schedGetcpu(),
    readFile: (path) => readFileSync(path, 'utf8'),
    writeFile: (path, data) => writeFileSync(path, data),
    listDirs: (path) => readdirSync(path, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name),
    ensureDir: (path) => {
      try {
        mkdirSync(path);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
    },
    selfPid: process.pid,
  };
}
