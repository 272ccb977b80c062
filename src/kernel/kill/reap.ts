// One process_mrelease call and what its result means (seed 004; kernel-interfaces §3.3).
import { errorCode } from '../sys/errors.js';
import type { KillSys } from './kill-sys.js';

export type ReapAttempt =
  /** Returned 0: the victim's anonymous and private memory is free. */
  | { kind: 'reaped'; ms: number }
  /** ESRCH: the victim already let go of its address space (it freed it itself). */
  | { kind: 'gone'; ms: number }
  /** EAGAIN (part could not be released now) or EINTR: call again after a pause. */
  | { kind: 'retry'; code: string; ms: number }
  /** EINVAL after SIGKILL: a live process shares the address space (or a core dump runs). */
  | { kind: 'shared'; ms: number }
  /** ENOSYS: no process_mrelease (kernel < 5.15, no MMU): wait for the exit instead. */
  | { kind: 'unsupported' }
  /** Anything else (EBADF is a bug in reapd). */
  | { kind: 'failed'; code: string; ms: number };

export function tryReap(sys: KillSys, fd: number, now: () => number): ReapAttempt {
  const t0 = now();
  try {
    sys.processMrelease(fd);
    return { kind: 'reaped', ms: now() - t0 };
  } catch (e) {
    const ms = now() - t0;
    const code = errorCode(e) ?? String(e);
    switch (code) {
      case 'ESRCH':
        return { kind: 'gone', ms };
      case 'EAGAIN':
      case 'EINTR':
        return { kind: 'retry', code, ms };
      case 'EINVAL':
        return { kind: 'shared', ms };
      case 'ENOSYS':
        return { kind: 'unsupported' };
      default:
        return { kind: 'failed', code, ms };
    }
  }
}

/**
 * Run the signal -> process_mrelease path until V8 has compiled it: the code between the
 * two calls is a race against the victim's exit_mm(), and cold it took 30–50 µs
 * (measured; warm: ~4 µs). Signal 0 is a probe; process_mrelease on ourselves (not
 * dying) is EINVAL. About 2 ms, once per kill thread.
 */
export function warmUpReap(sys: KillSys, now: () => number, rounds = 300): void {
  const fd = sys.pidfdOpen(sys.selfPid);
  try {
    for (let i = 0; i < rounds; i++) {
      sys.pidfdSendSignal(fd, 0);
      now();
      tryReap(sys, fd, now);
    }
  } finally {
    sys.close(fd);
  }
}
