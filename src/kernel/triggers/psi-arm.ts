// Creating a PSI trigger fd (kernel-interfaces §1.1–1.2), shared by PsiTrigger (main
// thread, on the FdPoller) and the watchdog worker (its own synchronous poll).
//
// - The string is "some|full STALL_US WINDOW_US" plus a NUL: psi_write() copies
//   min(nbytes, 32) bytes and overwrites the LAST byte with '\0', so without a terminator
//   "some 150000 1000000" becomes window 100000 → EINVAL, and "some 50000 1000000" would
//   silently become a 100 ms window.
// - One trigger per fd (a second write → EBUSY); the fd must stay open (close destroys it),
//   so never fs.writeFileSync.
// - Without CAP_SYS_RESOURCE on the opener's credentials only windows that are multiples
//   of 2 s are accepted (EINVAL otherwise). We then fall back to the nearest 2 s multiple
//   and scale the stall threshold in proportion, and say so.
import { closeSync, openSync, writeSync } from 'node:fs';
import { errorCode } from '../sys/errors.js';
import { TriggerError } from './types.js';

export type PsiKind = 'some' | 'full';

export interface PsiSpec {
  /** /proc/pressure/memory or <cgroup2 group>/memory.pressure. */
  path: string;
  kind: PsiKind;
  /** Stall time within the window that fires the trigger, µs (1 … windowUs). */
  stallUs: number;
  /** Window, µs (kernel: 1 … 10 s; unprivileged: multiples of 2 s). */
  windowUs: number;
}

/** The window and threshold the kernel accepted instead of the requested ones. */
export interface PsiFallback {
  requestedStallUs: number;
  requestedWindowUs: number;
  stallUs: number;
  windowUs: number;
  reason: 'unprivileged';
  /** One sentence for the log and `reapd doctor`. */
  message: string;
}

interface ArmedPsi {
  fd: number;
  /** What the kernel accepted (differs from the request after a fallback). */
  spec: PsiSpec;
  fallback?: PsiFallback;
}

const PSI_MAX_WINDOW_US = 10_000_000;
/** Unprivileged triggers: windows must be multiples of this (sched/psi "Allow unprivileged polling of N*2s period"). */
const PSI_UNPRIVILEGED_WINDOW_STEP_US = 2_000_000;

function psiTriggerString(kind: PsiKind, stallUs: number, windowUs: number): string {
  return `${kind} ${stallUs} ${windowUs}\0`;
}

function validatePsiSpec(spec: PsiSpec): void {
  const ok =
    (spec.kind === 'some' || spec.kind === 'full') &&
    Number.isInteger(spec.stallUs) && Number.isInteger(spec.windowUs) &&
    spec.windowUs >= 1 && spec.windowUs <= PSI_MAX_WINDOW_US && spec.stallUs >= 1 && spec.stallUs <= spec.windowUs;
  if (!ok) {
    throw new TriggerError(
      'TRIGGER_BAD_SPEC',
      `PSI trigger "${spec.kind} ${spec.stallUs} ${spec.windowUs}" is invalid: need some|full, ` +
        `1 <= stall <= window <= ${PSI_MAX_WINDOW_US} µs`,
    );
  }
}

/** The 2 s-multiple window nearest to windowUs (2 … 10 s) and the stall scaled to it. */
function unprivilegedFallback(stallUs: number, windowUs: number): { stallUs: number; windowUs: number } {
  const step = PSI_UNPRIVILEGED_WINDOW_STEP_US;
  const steps = Math.min(PSI_MAX_WINDOW_US / step, Math.max(1, Math.round(windowUs / step)));
  const newWindowUs = steps * step;
  const scaled = Math.round((stallUs * newWindowUs) / windowUs);
  return { windowUs: newWindowUs, stallUs: Math.min(newWindowUs, Math.max(1, scaled)) };
}

/** Open the file and write the trigger; returns the fd or the errno code of the write. */
function tryArm(spec: PsiSpec): { fd: number } | { code: string; error: unknown } {
  let fd: number;
  try {
    fd = openSync(spec.path, 'r+');
  } catch (e) {
    const code = errorCode(e);
    const why = code === 'ENOENT' ? ' (PSI off — boot with psi=1 — or cgroup.pressure=0 on the group?)' : '';
    throw new TriggerError('TRIGGER_PSI_UNAVAILABLE', `cannot open ${spec.path}: ${code ?? String(e)}${why}`, { cause: e });
  }
  try {
    writeSync(fd, psiTriggerString(spec.kind, spec.stallUs, spec.windowUs));
    return { fd };
  } catch (e) {
    closeSync(fd);
    return { code: errorCode(e) ?? 'EIO', error: e };
  }
}

function rejected(spec: PsiSpec, code: string, error: unknown, extra = ''): TriggerError {
  const why = code === 'EOPNOTSUPP' ? ' (PSI is disabled in this kernel)' : '';
  return new TriggerError(
    'TRIGGER_PSI_REJECTED',
    `${spec.path}: the kernel refused "${spec.kind} ${spec.stallUs} ${spec.windowUs}": ${code}${why}${extra}`,
    { cause: error },
  );
}

/**
 * Arm one PSI trigger. When the kernel refuses a window that is not a 2 s multiple with
 * EINVAL (the opener lacks CAP_SYS_RESOURCE), arms the nearest 2 s-multiple window instead
 * and returns the fallback. Throws TriggerError otherwise.
 */
export function armPsiTrigger(spec: PsiSpec): ArmedPsi {
  validatePsiSpec(spec);
  const first = tryArm(spec);
  if ('fd' in first) return { fd: first.fd, spec };
  if (first.code !== 'EINVAL' || spec.windowUs % PSI_UNPRIVILEGED_WINDOW_STEP_US === 0) {
    throw rejected(spec, first.code, first.error);
  }
  const alt = { ...spec, ...unprivilegedFallback(spec.stallUs, spec.windowUs) };
  const second = tryArm(alt);
  if (!('fd' in second)) throw rejected(alt, second.code, second.error, ' (after the unprivileged 2 s fallback)');
  const fallback: PsiFallback = {
    requestedStallUs: spec.stallUs,
    requestedWindowUs: spec.windowUs,
    stallUs: alt.stallUs,
    windowUs: alt.windowUs,
    reason: 'unprivileged',
    message:
      `PSI trigger "${spec.kind} ${spec.stallUs} ${spec.windowUs}" on ${spec.path} was refused (EINVAL): ` +
      `without CAP_SYS_RESOURCE the kernel accepts only 2 s-multiple windows; using ` +
      `"${alt.kind} ${alt.stallUs} ${alt.windowUs}" instead, so events come 0–2 s late. ` +
      `Grant CAP_SYS_RESOURCE (systemd: AmbientCapabilities=CAP_SYS_RESOURCE) for sub-2 s windows.`,
  };
  return { fd: second.fd, spec: alt, fallback };
}

interface PsiTriggerSupport {
  /** privileged: any window 1 µs … 10 s; unprivileged: 2 s multiples only; unavailable: none. */
  level: 'privileged' | 'unprivileged' | 'unavailable';
  /** One sentence for `reapd doctor` and the start-up log. */
  message: string;
}

/**
 * What PSI triggers this process may arm on `path`, found by arming (and at once closing)
 * a 1 s-window trigger, then a 2 s one. The answer depends on the opener's credentials.
 */
export function probePsiTriggers(path = '/proc/pressure/memory'): PsiTriggerSupport {
  const attempt = (windowUs: number): string | undefined => {
    try {
      const armed = armPsiTrigger({ path, kind: 'some', stallUs: 100_000, windowUs });
      closeSync(armed.fd);
      return armed.fallback ? 'EINVAL' : undefined;
    } catch (e) {
      if (e instanceof TriggerError && e.code === 'TRIGGER_PSI_UNAVAILABLE') return 'ENOENT';
      return errorCode(e instanceof Error ? e.cause : e) ?? 'EIO';
    }
  };
  const short = attempt(1_000_000);
  if (short === undefined) return { level: 'privileged', message: `PSI triggers on ${path}: any window (CAP_SYS_RESOURCE)` };
  if (short === 'ENOENT') return { level: 'unavailable', message: `PSI triggers on ${path}: unavailable (no such file: PSI off? boot with psi=1)` };
  if (short === 'EINVAL' && attempt(2_000_000) === undefined) {
    return {
      level: 'unprivileged',
      message: `PSI triggers on ${path}: 2 s-multiple windows only (no CAP_SYS_RESOURCE): events come 0–2 s late`,
    };
  }
  return { level: 'unavailable', message: `PSI triggers on ${path}: refused (${short})` };
}
