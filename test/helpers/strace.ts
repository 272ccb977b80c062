// strace for end-to-end tests that must see what a process asks of the kernel: which
// files it opens and reads, and when it signals. `-f -y`: every thread, and every fd
// argument annotated with its path (`pread64(12</proc/4242/statm>, …)`).
import { spawnSync } from 'node:child_process';

/** Why strace cannot be used here, if it cannot. */
export function needStrace(): string | undefined {
  const r = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) return 'strace is not installed';
  const t = spawnSync('strace', ['-f', '-qq', '-e', 'trace=none', 'true'], { encoding: 'utf8' });
  return t.status === 0 ? undefined : `strace cannot trace here: ${(t.stderr ?? '').trim().split('\n')[0]}`;
}

/** The argv prefix that traces a command into `out`: opens, reads, directory reads, pidfd calls and polls. */
export function straceArgv(out: string): string[] {
  return ['strace', '-f', '-qq', '-y', '-o', out, '-e', 'trace=open,openat,read,pread64,getdents64,pidfd_open,pidfd_send_signal,process_mrelease,poll,ppoll'];
}

export interface PostSignalReads {
  /** The line that sent SIGKILL to the victim's pidfd (undefined: none found). */
  signal?: string;
  /** The poll that found the victim's pidfd readable: it had exited (undefined: not seen). */
  exited?: string;
  /** Lines between the two that open or read anything under /proc/VICTIM/. */
  reads: string[];
}

/**
 * In an `strace -f -y` log: the reads of /proc/PID/… by the traced process between its
 * SIGKILL to PID (through a pidfd) and the poll that saw PID exit — the time the
 * victim's memory teardown must not wait for us.
 */
export function postSignalReads(log: string, pid: number): PostSignalReads {
  const lines = log.split('\n');
  const fds = new Set<string>();
  // strace -f splits a call another thread interrupts: "TID pidfd_open(PID, 0 <unfinished ...>",
  // later "TID <... pidfd_open resumed>) = FD<anon_inode:[pidfd]>".
  const pending = new Map<string, boolean>();
  const call = /^(\d+)\s+pidfd_open\((\d+),/;
  const resumed = /^(\d+)\s+<\.\.\. pidfd_open resumed>.*= (\d+)/;
  const under = `/proc/${pid}/`;
  const out: PostSignalReads = { reads: [] };
  for (const line of lines) {
    const c = call.exec(line);
    if (c) {
      const done = / = (\d+)/.exec(line);
      if (c[2] === String(pid) && done) fds.add(done[1] as string);
      else pending.set(c[1] as string, c[2] === String(pid));
    }
    const r = resumed.exec(line);
    if (r && pending.get(r[1] as string) === true) fds.add(r[2] as string);
    if (r) pending.delete(r[1] as string);
    if (out.signal === undefined) {
      const s = /pidfd_send_signal\((\d+)</.exec(line);
      if (s && fds.has(s[1] as string) && line.includes('SIGKILL')) out.signal = line;
      continue;
    }
    if (/\bp?poll\b/.test(line) && /revents=POLLIN/.test(line) && [...fds].some((fd) => line.includes(`{fd=${fd}, revents=POLLIN`))) {
      out.exited = line;
      break;
    }
    if (line.includes(under)) out.reads.push(line);
  }
  return out;
}
