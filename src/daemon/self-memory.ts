// Keeping reapd's own memory resident (issue 20), wired into `reapd run`:
// 1. before the re-exec (cli/commands/run.ts): find or make its own memory cgroup, move
//    there and set the limits, so that the re-executed image's memory is charged to it;
// 2. at start: log one line per step (own-cgroup, no-swap, memory-min) with what is in
//    place, what is missing and why;
// 3. after the warm-up: raise memory.min to cover the working set measured then, and log
//    how much of the code is resident in locked mappings (issue 18 item 1);
// 4. at events and polls (no wakeup of its own): warn when VmSwap grows;
// 5. at a clean stop: move back and remove a group it made.
import { enterOwnCgroup, HOME_ENV, homeEnv, leaveOwnCgroup, type CgroupHome } from '../kernel/self/cgroup-home.js';
import { guardHome, INITIAL_MEMORY_MIN_BYTES, protectMinimum, readGuard, type GuardStep } from '../kernel/self/memory-guard.js';
import { readOwnMemory, readSwapTotalKiB, SwapWatch } from '../kernel/self/usage.js';
import type { Clock } from '../engine/ports.js';
import type { Logger } from './logger.js';
import { REEXEC_MARKER } from '../kernel/self/node-flags.js';

/** The working set measured after the warm-up, times this, is what memory.min covers (room for V8's heap to breathe). */
const MEMORY_MIN_FACTOR = 1.5;
/** At most one VmSwap read per this long, however many events arrive. */
const SWAP_CHECK_EVERY_MS = 1000;

const mib = (kib: number): string => `${Math.round((kib / 1024) * 10) / 10} MiB`;

/**
 * Step 1, in the CLI before the re-exec. Returns the reason to re-execute (the process
 * moved: its pages so far are charged to the old group), or undefined.
 */
export function enterHomeBeforeReexec(swapTotalKiB = readSwapTotalKiB()): string | undefined {
  if (process.env[REEXEC_MARKER]) return undefined;
  const r = enterOwnCgroup();
  if (!r.ok || !r.home.created || process.env[HOME_ENV]) return undefined;
  process.env[HOME_ENV] = homeEnv(r.home);
  guardHome(r.home, { swapTotalKiB });
  return `moved into ${r.home.path}: re-executing so that reapd's memory is charged there`;
}

interface StepLine {
  step: string;
  status: string;
  message: string;
  warning?: string;
  errno?: string;
  details?: Record<string, unknown>;
}

function logStep(logger: Logger, s: StepLine): void {
  const level = s.status === 'done' || s.status === 'skipped' ? 'info' : 'warn';
  logger.log(level, 'self-protect', `self-protection ${s.step}: ${s.status} — ${s.message}${s.warning ? ` (${s.warning})` : ''}`, {
    step: s.step, status: s.status, errno: s.errno, ...s.details,
  });
}

export class OwnMemory {
  private readonly missing: string[] = [];
  private watch: SwapWatch | undefined;
  private lastCheckMs = -Infinity;
  private warnedSwapKiB = 0;
  private readonly startMajorFaults: number;

  private constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    readonly home: CgroupHome | undefined,
  ) {
    try {
      this.watch = new SwapWatch();
    } catch {
      this.watch = undefined;
    }
    this.startMajorFaults = this.watch?.majorFaults() ?? 0;
  }

  /** Step 2: find home (made before the re-exec, or now), set its limits, log each step. */
  static start(logger: Logger, clock: Clock, o: { enabled: boolean; swapTotalKiB: number }): OwnMemory {
    if (!o.enabled) {
      logStep(logger, { step: 'own-cgroup', status: 'skipped', message: 'self_cgroup = false: reapd stays in the group it was started in, its memory can be swapped out' });
      return new OwnMemory(logger, clock, undefined);
    }
    const r = enterOwnCgroup();
    if (!r.ok) {
      logStep(logger, { step: 'own-cgroup', status: 'failed', message: r.message, warning: r.warning, ...(r.errno ? { errno: r.errno } : {}) });
      const own = new OwnMemory(logger, clock, undefined);
      own.missing.push(`no memory cgroup of its own (${r.message})`);
      return own;
    }
    // Without the re-exec the pages allocated before the move stay charged to the old group.
    const late = r.home.created && !process.env[REEXEC_MARKER] ? `; the memory allocated before the move stays charged to ${r.home.movedFrom ?? 'the old group'} (no re-exec)` : '';
    logStep(logger, { step: 'own-cgroup', status: late ? 'partial' : 'done', message: r.message + late, details: { hierarchy: r.home.hierarchy, group: r.home.path, created: r.home.created } });
    const own = new OwnMemory(logger, clock, r.home);
    for (const s of guardHome(r.home, { swapTotalKiB: o.swapTotalKiB })) own.record(s);
    return own;
  }

  private record(s: GuardStep): void {
    logStep(this.logger, s);
    if (s.status !== 'done') this.missing.push(`${s.step}: ${s.message}`);
  }

  /** Step 3: memory.min over the measured working set; the code pages resident and locked. */
  afterWarmUp(): void {
    const used = this.home ? readGuard(this.home).currentBytes : undefined;
    if (this.home?.hierarchy === 'cgroup2' && used !== undefined) {
      const want = Math.max(INITIAL_MEMORY_MIN_BYTES, used * MEMORY_MIN_FACTOR);
      const step = protectMinimum(this.home, want);
      if (step.status !== 'done') logStep(this.logger, step);
    }
    const m = readOwnMemory();
    if (!m) return;
    const f = m.filePages;
    const guard = this.home ? readGuard(this.home) : undefined;
    const code = f
      ? `code: ${mib(f.residentKiB)} resident, ${mib(f.residentInLockedKiB)} of it in the ${f.lockedMappings} locked of ${f.mappings} file-backed mappings (${f.onFaultMappings} lock on fault)`
      : 'code: smaps unreadable';
    const group = guard
      ? `; group ${guard.group}: ${guard.currentBytes !== undefined ? mib(guard.currentBytes / 1024) : '?'} charged` +
        (guard.memoryMinBytes !== undefined ? `, memory.min ${mib(guard.memoryMinBytes / 1024)}` : '') +
        (guard.swapMaxBytes !== undefined ? `, memory.swap.max ${guard.swapMaxBytes ?? 'max'}` : '') +
        (guard.swappiness !== undefined ? `, memory.swappiness ${guard.swappiness}` : '')
      : '; no group of its own';
    this.logger.info('self-memory',
      `after warm-up: anon ${mib(m.rssAnonKiB)}, VmSwap ${m.vmSwapKiB} KiB, ${m.majorFaults} major faults; ${code}${group}`,
      { ...m, group: guard });
  }

  /** Step 4, after events and polls: a warning when reapd's own memory is being swapped out. */
  check(): void {
    const now = this.clock.nowMs();
    if (!this.watch || now - this.lastCheckMs < SWAP_CHECK_EVERY_MS) return;
    this.lastCheckMs = now;
    const swapKiB = this.watch.vmSwapKiB();
    if (swapKiB > this.warnedSwapKiB) {
      const majorFaults = this.watch.majorFaults() - this.startMajorFaults;
      const why = this.missing.length > 0 ? this.missing.join('; ') : 'every protection reported done';
      this.logger.warn('self-swapped', `reapd's own memory is being swapped out: VmSwap ${swapKiB} KiB, ${majorFaults} major faults since start — ${why}`,
        { vmSwapKiB: swapKiB, majorFaults });
      // Warn again only when it grew by a quarter: one line per real change, not per event.
      this.warnedSwapKiB = Math.max(1, Math.ceil(swapKiB * 1.25));
    } else if (swapKiB === 0 && this.warnedSwapKiB > 0) {
      this.logger.info('self-swapped', 'reapd\'s own memory is resident again (VmSwap 0 KiB)', { vmSwapKiB: 0 });
      this.warnedSwapKiB = 0;
    }
  }

  /** Step 5. */
  stop(): void {
    this.watch?.close();
    this.watch = undefined;
    if (this.home?.created) this.logger.info('self-cgroup', leaveOwnCgroup(this.home), { group: this.home.path });
  }
}
