// Shared by the kill path's integration tests and bench/kill.bench.ts: a Victim for a
// real process, a watch on a memcg's usage falling below a fraction of what it was,
// and a spy around the real system-call layer.
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { close, eventfd, eventfdRead, PollSet, poll, POLLIN } from '../../../src/kernel/sys/io.js';
import { parseProcStat } from '../../../src/kernel/parse/stat.js';
import { realKillSys, type KillSys } from '../../../src/kernel/kill/kill-sys.js';
import { threadNowMs } from '../../../src/kernel/clock.js';
import type { Victim } from '../../../src/model/decision.js';

export function startTimeOf(pid: number): number {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!stat) throw new Error(`cannot parse /proc/${pid}/stat`);
  return stat.startTime;
}

/** One-letter state from /proc/PID/stat, or undefined once the process is reaped. */
export function stateOf(pid: number): string | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state;
  } catch {
    return undefined;
  }
}

export function victimOf(pid: number, rssAnonKiB = 0, startTime = startTimeOf(pid)): Victim {
  return { pid, startTime, name: 'hog', uid: 0, oomScoreAdj: 0, sizeKiB: rssAnonKiB, rssAnonKiB, reason: 'minfree', why: 'test victim' };
}

/**
 * Wait, without burning a CPU, for a v1 memcg's usage_in_bytes to fall to a fraction
 * of its value at creation: a memcg usage threshold eventfd (cgroup.event_control)
 * wakes a blocking poll(2) when usage crosses the threshold. A busy-polling reader
 * would take one of the two CPUs away from the victim and the reaper.
 */
export class ReleaseWatch {
  readonly beforeBytes: number;
  readonly thresholdBytes: number;
  private readonly usageFd: number;
  private readonly efd: number;
  private readonly buf = Buffer.alloc(32);

  constructor(memcgPath: string, fraction = 0.1) {
    this.usageFd = openSync(`${memcgPath}/memory.usage_in_bytes`, 'r');
    this.beforeBytes = this.usage();
    this.thresholdBytes = Math.floor(this.beforeBytes * fraction);
    this.efd = eventfd(0);
    writeFileSync(`${memcgPath}/cgroup.event_control`, `${this.efd} ${this.usageFd} ${this.thresholdBytes}`);
  }

  usage(): number {
    const n = readSync(this.usageFd, this.buf, 0, this.buf.length, 0);
    return Number(this.buf.toString('latin1', 0, n));
  }

  /** threadNowMs() when usage fell to the threshold, or null after timeoutMs. Blocks this thread. */
  waitSync(timeoutMs: number): number | null {
    const deadline = threadNowMs() + timeoutMs;
    const set = new PollSet([{ fd: this.efd, events: POLLIN }]);
    for (;;) {
      if (this.usage() <= this.thresholdBytes) return threadNowMs();
      const left = Math.ceil(deadline - threadNowMs());
      if (left <= 0) return null;
      try {
        if (poll(set, Math.min(left, 50)) > 0) eventfdRead(this.efd);
      } catch (e) {
        // SIGCHLD from an exiting child interrupts poll on this thread: just poll again.
        if ((e as { code?: string }).code !== 'EINTR') throw e;
      }
    }
  }

  close(): void {
    close(this.efd);
    closeSync(this.usageFd);
  }
}

export interface SpyCall {
  name: string;
  fd?: number;
  pid?: number;
  signal?: number;
  path?: string;
  data?: string;
}

/** The real KillSys with every pidfd call logged (and a hook before cgroup writes). */
export function spySys(onWrite?: (path: string, data: string) => void): { sys: KillSys; calls: SpyCall[]; fdPid: Map<number, number> } {
  const real = realKillSys();
  const calls: SpyCall[] = [];
  const fdPid = new Map<number, number>();
  const sys: KillSys = {
    ...real,
    pidfdOpen: (pid) => {
      const fd = real.pidfdOpen(pid);
      fdPid.set(fd, pid);
      calls.push({ name: 'pidfd_open', pid, fd });
      return fd;
    },
    pidfdSendSignal: (fd, signal) => {
      calls.push({ name: 'pidfd_send_signal', fd, signal, pid: fdPid.get(fd) });
      real.pidfdSendSignal(fd, signal);
    },
    processMrelease: (fd) => {
      calls.push({ name: 'process_mrelease', fd, pid: fdPid.get(fd) });
      real.processMrelease(fd);
    },
    close: (fd) => {
      calls.push({ name: 'close', fd, pid: fdPid.get(fd) });
      fdPid.delete(fd);
      real.close(fd);
    },
    writeFile: (path, data) => {
      onWrite?.(path, data);
      calls.push({ name: 'write', path, data });
      real.writeFile(path, data);
    },
  };
  return { sys, calls, fdPid };
}

/** Every process_mrelease went to a pidfd that had been sent SIGKILL earlier (fds are reused after close). */
export function mreleaseOnlyAfterSigkill(calls: readonly SpyCall[]): boolean {
  const killed = new Set<number>();
  for (const c of calls) {
    if (c.name === 'close' && c.fd !== undefined) killed.delete(c.fd);
    if (c.name === 'pidfd_send_signal' && c.signal === 9 && c.fd !== undefined) killed.add(c.fd);
    if (c.name === 'process_mrelease' && (c.fd === undefined || !killed.has(c.fd))) return false;
  }
  return true;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
