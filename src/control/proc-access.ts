// What the registry needs from the kernel, behind an interface so its rules can be tested
// with scripted outcomes as well as with real processes.
import { readFileSync, writeFileSync } from 'node:fs';
import { close, poll, PollSet, POLLIN } from '../kernel/sys/io.js';
import { pidfdOpen } from '../kernel/sys/process.js';
import { readLmkdTaskName } from './task-name.js';

export interface ProcessAccess {
  /** Tgid from /proc/PID/status ("Tgid:\t4242"); undefined when the process is gone. */
  tgid(pid: number): number | undefined;
  /** Write /proc/PID/oom_score_adj. Throws errors carrying a `code` (EACCES, ESRCH, ENOENT …). */
  writeOomScoreAdj(pid: number, adj: number): void;
  /** pidfd_open(pid, 0). Throws SyscallError (ESRCH gone, ENOENT not a leader). */
  openPidfd(pid: number): number;
  /** The process behind the pidfd has exited (pidfd readable). */
  exited(pidfd: number): boolean;
  closeFd(fd: number): void;
  /** lmkd's task name from /proc/PID/cmdline (task-name.ts), read while the process lives. */
  taskName?(pid: number): string | undefined;
}

export function procAccess(procRoot = '/proc'): ProcessAccess {
  return {
    tgid(pid) {
      let text: string;
      try {
        text = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
      } catch {
        return undefined;
      }
      const m = /^Tgid:\s*(\d+)$/m.exec(text);
      return m ? Number(m[1]) : undefined;
    },
    writeOomScoreAdj(pid, adj) {
      writeFileSync(`${procRoot}/${pid}/oom_score_adj`, String(adj));
    },
    openPidfd: (pid) => pidfdOpen(pid),
    exited(pidfd) {
      const set = new PollSet([{ fd: pidfd, events: POLLIN }]);
      return poll(set, 0) > 0;
    },
    closeFd: (fd) => close(fd),
    taskName: (pid) => readLmkdTaskName(pid, procRoot),
  };
}
