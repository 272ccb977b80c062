// The contract every trigger source implements, and how sources talk back to the daemon
// besides events (fallbacks, a watched group that went away). See docs/triggers.md.
import type { TriggerEvent } from '../../engine/ports.js';
import type { LogLevel } from '../../model/log-level.js';

/** A source of reasons to run a reclaim: a PSI trigger, a memcg eventfd, a threshold poller. */
export interface TriggerSource {
  /** Stable name for logs ("psi:/proc/pressure/memory some 150000/2000000"). */
  readonly name: string;
  /**
   * Arm the source. Throws a coded error (SyscallError / TriggerError) when it cannot be
   * armed at all; once armed, failures arrive through the log callback and `onEnded`.
   */
  start(emit: (e: TriggerEvent) => void): void;
  /** Disarm and release every fd; resolves once nothing of this source is polled any more. */
  stop(): Promise<void>;
}

/** Same shape as EventSink.log, so the daemon can pass `sink.log.bind(sink)`. */
export type TriggerLog = (level: LogLevel, event: string, message: string, fields?: Record<string, unknown>) => void;

export const silentLog: TriggerLog = () => undefined;

/** Why a source stopped delivering events on its own (not through stop()). */
export interface TriggerEnd {
  trigger: string;
  /** "group-removed": the cgroup was rmdir'ed (POLLERR/ENODEV or eventfd on rmdir). */
  reason: 'group-removed' | 'error';
  message: string;
}

/** Options every event source accepts. */
export interface TriggerCommon {
  /** Override the generated name. */
  name?: string;
  /** TriggerEvent.level to emit (default "critical"). */
  level?: string;
  log?: TriggerLog;
  /** Called once when the source ends by itself (its cgroup went away). */
  onEnded?: (end: TriggerEnd) => void;
  /** Clock for TriggerEvent.atMs (default: the system clock). */
  nowMs?: () => number;
}

type TriggerErrorCode =
  | 'TRIGGER_PSI_UNAVAILABLE' // /proc/pressure or the group's memory.pressure is missing
  | 'TRIGGER_PSI_REJECTED' // the kernel refused the trigger string even after the fallback
  | 'TRIGGER_MEMCG_UNAVAILABLE' // not a cgroup v1 memory directory / no event_control
  | 'TRIGGER_BAD_SPEC'; // invalid numbers in the configuration

export class TriggerError extends Error {
  readonly code: TriggerErrorCode;
  constructor(code: TriggerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TriggerError';
    this.code = code;
  }
}
