// A fake kernel for the kill core's unit tests: processes with a starttime, flags,
// oom_score_adj, threads, a freezer cgroup and an address-space id; pidfds; and a call
// log. Errnos that a real kernel gives only rarely (EAGAIN, EINVAL, ENOSYS) are scripted.
import { SyscallError } from '../../../src/kernel/sys/errors.js';
import type { KillSys } from '../../../src/kernel/kill/kill-sys.js';
import type { Victim } from '../../../src/model/decision.js';

export interface FakeProcess {
  pid: number;
  startTime: number;
  flags?: number;
  adj?: number;
  tids?: number[];
  /** v1 freezer path, e.g. "/frz". */
  freezer?: string;
  /** Address-space id: equal ids share an mm (kcmp KCMP_VM == 0). */
  mm?: number;
  /** A thread id, not a thread-group leader (pidfd_open gives ENOENT). */
  notLeader?: boolean;
  /** Signalled with SIGKILL. */
  killed?: boolean;
  /** Memory released by process_mrelease. */
  reaped?: boolean;
}

export type Call = { name: string; args: number[] };

function err(syscall: string, code: string, errno: number): SyscallError {
  return new SyscallError(syscall, errno, code);
}
const enoent = (what: string): Error => Object.assign(new Error(`ENOENT: ${what}`), { code: 'ENOENT' });

export class FakeKernel {
  readonly procs = new Map<number, FakeProcess>();
  readonly fds = new Map<number, number>();
  /** Every pidfd ever opened and its pid (closing does not forget it: the call log outlives fds). */
  readonly pidfdPid = new Map<number, number>();
  readonly calls: Call[] = [];
  readonly files = new Map<string, string>();
  readonly writes: { path: string; data: string }[] = [];
  private nextFd = 100;
  /** Scripted process_mrelease errnos, consumed one per call (then success). */
  mreleaseErrors: string[] = [];
  /** Hook run after pidfd_open returns (e.g. to replace the process: pid reuse). */
  afterOpen?: (pid: number) => void;
  schedError?: string;

  constructor(readonly selfPid = 4242) {
    this.files.set('/proc/self/mounts', 'cgroup /fz cgroup rw,relatime,freezer 0 0\n');
  }

  add(p: FakeProcess): FakeProcess {
    this.procs.set(p.pid, p);
    return p;
  }

  victim(pid: number, rssAnonKiB = 1000): Victim {
    const p = this.procs.get(pid);
    return {
      pid, startTime: p?.startTime ?? 1, name: `p${pid}`, uid: 0, oomScoreAdj: p?.adj ?? 0,
      sizeKiB: rssAnonKiB, rssAnonKiB, reason: 'minfree', why: 'test',
    };
  }

  callsOf(name: string): Call[] {
    return this.calls.filter((c) => c.name === name);
  }

  get openFds(): number {
    return this.fds.size;
  }

  sys(): KillSys {
    return makeSys(this);
  }

  nextFdNumber(): number {
    return this.nextFd++;
  }
}

function makeSys(k: FakeKernel): KillSys {
  const proc = (pid: number): FakeProcess => {
    const p = k.procs.get(pid);
    if (!p) throw enoent(`/proc/${pid}`);
    return p;
  };
  const byFd = (fd: number, name: string): FakeProcess => {
    const pid = k.fds.get(fd);
    if (pid === undefined) throw err(name, 'EBADF', 9);
    const p = k.procs.get(pid);
    if (!p) throw err(name, 'ESRCH', 3);
    return p;
  };
  const log = (name: string, ...args: number[]): void => void k.calls.push({ name, args });
  return {
    selfPid: k.selfPid,
    pidfdOpen(pid) {
      log('pidfd_open', pid);
      const p = k.procs.get(pid);
      if (!p) throw err('pidfd_open', 'ESRCH', 3);
      if (p.notLeader) throw err('pidfd_open', 'ENOENT', 2);
      const fd = k.nextFdNumber();
      k.fds.set(fd, pid);
      k.pidfdPid.set(fd, pid);
      k.afterOpen?.(pid);
      return fd;
    },
    pidfdSendSignal(fd, signal) {
      log('pidfd_send_signal', fd, signal);
      const p = byFd(fd, 'pidfd_send_signal');
      if (signal === 9) p.killed = true;
    },
    processMrelease(fd) {
      log('process_mrelease', fd);
      const p = byFd(fd, 'process_mrelease');
      const scripted = k.mreleaseErrors.shift();
      if (scripted) throw err('process_mrelease', scripted, 0);
      if (!p.killed) throw err('process_mrelease', 'EINVAL', 22);
      const sharers = [...k.procs.values()].filter((q) => q !== p && q.mm !== undefined && q.mm === p.mm);
      if (sharers.some((q) => !q.killed)) throw err('process_mrelease', 'EINVAL', 22);
      p.reaped = true;
    },
    close(fd) {
      log('close', fd);
      if (!k.fds.delete(fd)) throw err('close', 'EBADF', 9);
    },
    kcmp(a, b) {
      const pa = proc(a);
      const pb = proc(b);
      return pa.mm !== undefined && pa.mm === pb.mm ? 0 : 1;
    },
    readProc(pid, name) {
      log(`read /proc/PID/${name}`, pid);
      const p = proc(pid);
      if (name === 'stat') {
        const f = ['S', '1', '1', '1', '0', '-1', String(p.flags ?? 0x400000)];
        while (f.length < 19) f.push('0');
        f.push(String(p.startTime), '1000', '10');
        return `${pid} (p ${pid}) ${f.join(' ')}\n`;
      }
      if (name === 'oom_score_adj') return `${p.adj ?? 0}\n`;
      if (name === 'cgroup') return `6:freezer:${p.freezer ?? '/'}\n0::/\n`;
      throw enoent(name);
    },
    listPids: () => [...k.procs.values()].filter((p) => !p.notLeader).map((p) => p.pid),
    listTasks: (pid) => {
      log('read /proc/PID/task', pid);
      return proc(pid).tids ?? [pid];
    },
    schedSetscheduler(tid, policy, prio) {
      log('sched_setscheduler', tid, policy, prio);
      if (k.schedError) throw err('sched_setscheduler', k.schedError, 1);
    },
    schedAllowAllCpus(tid) {
      log('sched_setaffinity', tid);
    },
    readFile(path) {
      const v = k.files.get(path);
      if (v === undefined) throw enoent(path);
      return v;
    },
    writeFile(path, data) {
      k.writes.push({ path, data });
      k.files.set(path, data);
    },
    ensureDir(path) {
      if (!k.files.has(`${path}/freezer.state`)) k.files.set(`${path}/freezer.state`, 'THAWED\n');
    },
  };
}
