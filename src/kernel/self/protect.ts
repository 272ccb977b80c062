// Self-protection: a low-memory killer must survive the pressure it is there to relieve
// (kernel-interfaces §5). Each step reports done / partial / failed (with errno and a
// human warning naming the capability or unit setting that fixes it) / skipped, so the
// daemon logs one line per step and `reapd doctor` can show the same report.
//   1. own oom_score_adj to -1000 (needs CAP_SYS_RESOURCE; systemd: OOMScoreAdjust=-1000);
//   2. lock the FILE-BACKED mappings from /proc/self/maps — the code the kernel would
//      otherwise drop and refault under pressure — with mlock, or with lockOnFault
//      mlock2(MLOCK_ONFAULT), so only the pages reapd touches are resident and locked
//      (falling back to mlock). Never mlockall: V8 aborts when
//      MADV_DONTNEED fails on locked heap pages (§5.1, exit 133);
//   3. real-time scheduling for the kill path's thread (and optionally the main thread),
//      always with SCHED_RESET_ON_FORK so children never inherit it (§5.3).
// Node flags for a small heap live in node-flags.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { errorCode, isSyscallError } from '../sys/errors.js';
import { mlock, mlock2, MLOCK_ONFAULT } from '../sys/mem.js';
import { schedGetscheduler, schedSetscheduler, SCHED_FIFO, SCHED_RESET_ON_FORK, SCHED_RR } from '../sys/sched.js';
import { OOM_SCORE_ADJ_MIN } from '../../model/limits.js';

type StepName = 'oom-score-adj' | 'mlock-code' | 'realtime-main' | 'realtime-kill-thread';
type StepStatus = 'done' | 'partial' | 'failed' | 'skipped';

export interface ProtectionStep {
  step: StepName;
  status: StepStatus;
  /** errno name of the (first) failure, e.g. "EACCES". */
  errno?: string;
  /** What happened, for the log. */
  message: string;
  /** What to do about it, when something failed. */
  warning?: string;
  details?: Record<string, unknown>;
}

export interface SelfProtectionReport {
  steps: ProtectionStep[];
  /** The warnings of every step that did not fully succeed. */
  warnings: string[];
}

export interface RealtimeOptions {
  /** Default "fifo". */
  policy?: 'fifo' | 'rr';
  /** 1 … 99. Default 10, as the kill core: above victims boosted to RT priority 1 (seed 000), below threaded IRQs (FIFO 50). */
  priority?: number;
}

interface SelfProtectOptions {
  /** Target oom_score_adj; false skips the step. Default -1000. */
  oomScoreAdj?: number | false;
  /** Lock file-backed mappings. Default true. */
  lockCode?: boolean;
  /**
   * Lock with mlock2(MLOCK_ONFAULT): only the pages touched become resident and locked
   * (issue 18: ~50 MiB less RSS). Default false, plain mlock: measured on the swapping
   * guest, an event still faulted 1–2 code pages the warm-up had not touched (major
   * faults on the kill path, docs/performance.md), which a fully locked binary never does.
   */
  lockOnFault?: boolean;
  /** Real-time priority for the calling (main) thread. Default false: only the kill thread. */
  realtimeMainThread?: RealtimeOptions | false;
  /** For tests: where to read mappings (default /proc/self/maps). */
  mapsPath?: string;
}

const OOM_ADJ_PATH = '/proc/self/oom_score_adj';

/** Step 1: lower our own oom_score_adj (no write when it is already at or below the target). */
function setOwnOomScoreAdj(target = OOM_SCORE_ADJ_MIN): ProtectionStep {
  const current = Number(readFileSync(OOM_ADJ_PATH, 'utf8').trim());
  if (current <= target) {
    return { step: 'oom-score-adj', status: 'done', message: `oom_score_adj is already ${current}`, details: { oomScoreAdj: current } };
  }
  try {
    writeFileSync(OOM_ADJ_PATH, String(target));
    return { step: 'oom-score-adj', status: 'done', message: `oom_score_adj set to ${target} (was ${current})`, details: { oomScoreAdj: target } };
  } catch (e) {
    const errno = errorCode(e) ?? 'EIO';
    return {
      step: 'oom-score-adj', status: 'failed', errno,
      message: `cannot lower own oom_score_adj from ${current} to ${target}: ${errno}`,
      warning:
        `reapd runs at oom_score_adj ${current}, so the kernel OOM killer may choose reapd itself. Lowering it needs ` +
        'CAP_SYS_RESOURCE: run under systemd with OOMScoreAdjust=-1000 (applied before start) or grant ' +
        'AmbientCapabilities=CAP_SYS_RESOURCE.',
      details: { oomScoreAdj: current },
    };
  }
}

/** One line of /proc/PID/maps. */
interface Mapping {
  start: bigint;
  end: bigint;
  /** "r-xp", "---p", … */
  perms: string;
  /** File path, "[heap]"-style pseudo name, or "" for anonymous memory. */
  path: string;
}

/**
 * Parse /proc/PID/maps. Total: malformed lines are skipped. A line looks like
 *   55d0c8a00000-55d0c8c00000 r-xp 00200000 fe:00 1311 /usr/bin/node
 */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+ *(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3] ?? '', path: m[4] ?? '' });
  }
  return out;
}

/**
 * The mappings worth locking: backed by a regular file (code, read-only data). Skipped:
 * guard mappings "---p" (mlock → ENOMEM, §5.1), anonymous and pseudo mappings ([heap],
 * [stack], [vdso] — V8's heap must stay unlocked), memfd/SysV shared memory and deleted
 * files (shmem: anonymous in all but name), and device mappings.
 */
export function lockableMappings(maps: readonly Mapping[]): Mapping[] {
  return maps.filter(
    (m) =>
      m.perms !== '---p' && m.path.startsWith('/') && !m.path.startsWith('/memfd:') && !m.path.startsWith('/SYSV') &&
      !m.path.startsWith('/dev/') && !m.path.endsWith(' (deleted)'),
  );
}

/**
 * Lock one mapping: mlock2(MLOCK_ONFAULT) where the kernel and libc have it (only the
 * touched pages become resident and locked), else plain mlock (faults the whole mapping
 * in). Returns the mode that worked.
 */
function lockMapping(m: Mapping, preferOnFault: boolean): 'onfault' | 'mlock' {
  if (preferOnFault) {
    try {
      mlock2(m.start, m.end - m.start, MLOCK_ONFAULT);
      return 'onfault';
    } catch (e) {
      // ENOSYS: no mlock2 in this libc; EINVAL: a kernel older than 4.4 knows no flags.
      if (!isSyscallError(e, 'ENOSYS', 'EINVAL')) throw e;
    }
  }
  mlock(m.start, m.end - m.start);
  return 'mlock';
}

/** Step 2: lock every file-backed mapping of this process (on fault when asked and possible). */
function lockFileBackedMappings(mapsPath = '/proc/self/maps', preferOnFault = false): ProtectionStep {
  const candidates = lockableMappings(parseMaps(readFileSync(mapsPath, 'utf8')));
  let lockedBytes = 0n;
  let locked = 0;
  let onFault = preferOnFault;
  const failures = new Map<string, number>();
  for (const m of candidates) {
    try {
      if (lockMapping(m, onFault) === 'mlock') onFault = false;
      lockedBytes += m.end - m.start;
      locked++;
    } catch (e) {
      const code = errorCode(e) ?? 'EIO';
      failures.set(code, (failures.get(code) ?? 0) + 1);
    }
  }
  const lockedMiB = Math.round(Number(lockedBytes) / 1048576 * 10) / 10;
  const mode = onFault ? 'onfault' : 'mlock';
  const details = { mappings: candidates.length, locked, lockedMiB, mode, failures: Object.fromEntries(failures) };
  const how = onFault ? 'mlock2(MLOCK_ONFAULT): the pages touched are locked as they fault in'
    : preferOnFault ? 'mlock: faulted in whole (no MLOCK_ONFAULT here)' : 'mlock: faulted in whole';
  const summary = `locked ${locked} of ${candidates.length} file-backed mappings (${lockedMiB} MiB mapped) with ${how}`;
  if (failures.size === 0) return { step: 'mlock-code', status: 'done', message: summary, details };
  const errno = [...failures.keys()][0] ?? 'EIO';
  return {
    step: 'mlock-code', status: locked > 0 ? 'partial' : 'failed', errno,
    message: `${summary}; ${[...failures].map(([c, n]) => `${n}× ${c}`).join(', ')}`,
    warning:
      'reapd\'s code can be evicted and refaulted under memory pressure, slowing the kill path. Locking it needs ' +
      'CAP_IPC_LOCK (AmbientCapabilities=CAP_IPC_LOCK) or a higher RLIMIT_MEMLOCK (LimitMEMLOCK=infinity).',
    details,
  };
}

/**
 * Real-time scheduling for the CALLING thread only (sched_setscheduler affects one
 * thread: the kill worker must call this on its own thread), with SCHED_RESET_ON_FORK.
 */
export function setThreadRealtime(options: RealtimeOptions = {}, step: StepName = 'realtime-kill-thread'): ProtectionStep {
  const policyName = options.policy ?? 'fifo';
  const priority = options.priority ?? 10;
  const policy = (policyName === 'rr' ? SCHED_RR : SCHED_FIFO) | SCHED_RESET_ON_FORK;
  try {
    schedSetscheduler(0, policy, priority);
    const now = schedGetscheduler(0);
    return {
      step, status: 'done',
      message: `this thread runs SCHED_${policyName.toUpperCase()} priority ${priority} with SCHED_RESET_ON_FORK`,
      details: { policy: now, priority },
    };
  } catch (e) {
    const errno = errorCode(e) ?? 'EIO';
    return {
      step, status: 'failed', errno,
      message: `cannot set SCHED_${policyName.toUpperCase()} priority ${priority}: ${errno}`,
      warning:
        'the kill path runs at normal priority and can be starved by busy processes. Real-time priority needs ' +
        'CAP_SYS_NICE (AmbientCapabilities=CAP_SYS_NICE) or LimitRTPRIO; with CONFIG_RT_GROUP_SCHED the cpu cgroup ' +
        'also needs cpu.rt_runtime_us > 0.',
    };
  }
}

/** Run the process-wide steps (the kill thread calls setThreadRealtime itself). */
export function protectSelf(options: SelfProtectOptions = {}): SelfProtectionReport {
  const steps: ProtectionStep[] = [];
  if (options.oomScoreAdj === false) steps.push({ step: 'oom-score-adj', status: 'skipped', message: 'disabled by configuration' });
  else steps.push(setOwnOomScoreAdj(options.oomScoreAdj ?? OOM_SCORE_ADJ_MIN));
  if (options.lockCode === false) steps.push({ step: 'mlock-code', status: 'skipped', message: 'disabled by configuration' });
  else steps.push(lockFileBackedMappings(options.mapsPath, options.lockOnFault ?? false));
  if (options.realtimeMainThread) steps.push(setThreadRealtime(options.realtimeMainThread, 'realtime-main'));
  return { steps, warnings: steps.flatMap((s) => (s.warning ? [s.warning] : [])) };
}
