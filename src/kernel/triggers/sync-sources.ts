// The watchdog thread's own pressure sources, polled synchronously on that thread:
// v1 memcg eventfds (memory.pressure_level critical, memory.oom_control) or one PSI
// trigger — the same arming code as the daemon's triggers (psi-arm.ts, memcg-event.ts),
// without the FdPoller, whose poll runs on the libuv pool for the main thread's sake.
import { closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { close, POLLERR, POLLIN, POLLNVAL, POLLPRI } from '../sys/io.js';
import { armPsiTrigger, type PsiSpec } from './psi-arm.js';
import { drainEventfd, registerMemcgEvent } from './memcg-event.js';

export interface WatchSource {
  name: string;
  fd: number;
  events: number;
  kind: 'psi' | 'memcg';
}

interface ArmedSources {
  sources: WatchSource[];
  notes: string[];
}

/** A PSI trigger for the domain when psi is "auto" (undefined: none applies). */
function autoPsi(memcg: string | undefined): PsiSpec | undefined {
  const path = memcg === undefined ? '/proc/pressure/memory' : join(memcg, 'memory.pressure');
  if (!existsSync(path)) return undefined;
  return { path, kind: 'some', stallUs: 100_000, windowUs: 2_000_000 };
}

/** Arm what serves the domain; what cannot be armed becomes a note (then polling serves). */
export function armSources(memcg: string | undefined, memcgEvents: boolean, psi: PsiSpec | null | 'auto'): ArmedSources {
  const sources: WatchSource[] = [];
  const notes: string[] = [];
  const isV1 = memcg !== undefined && existsSync(join(memcg, 'memory.pressure_level'));
  if (memcgEvents && isV1) {
    for (const event of [{ kind: 'pressure', level: 'critical' } as const, { kind: 'oom' } as const]) {
      try {
        const fd = registerMemcgEvent(memcg, event);
        sources.push({ name: `memcg ${memcg} ${event.kind === 'oom' ? 'oom_control' : 'pressure_level critical'}`, fd, events: POLLIN, kind: 'memcg' });
      } catch (e) {
        notes.push(String(e instanceof Error ? e.message : e));
      }
    }
  }
  const spec = psi === 'auto' ? (isV1 ? undefined : autoPsi(memcg)) : (psi ?? undefined);
  if (spec) {
    try {
      const armed = armPsiTrigger(spec);
      if (armed.fallback) notes.push(armed.fallback.message);
      const s = armed.spec;
      sources.push({ name: `psi ${s.path} ${s.kind} ${s.stallUs}/${s.windowUs}`, fd: armed.fd, events: POLLPRI, kind: 'psi' });
    } catch (e) {
      notes.push(String(e instanceof Error ? e.message : e));
    }
  }
  if (sources.length === 0) notes.push('no pressure event source for the watchdog: it polls memory adaptively instead');
  return { sources, notes };
}

/**
 * Handle one ready source. Returns false when the source is finished (its cgroup was
 * removed: POLLERR for PSI, an eventfd signal on a group that no longer exists) — the
 * caller then drops it and closes it with closeSource().
 */
export function serviceSource(s: WatchSource, revents: number, memcg: string | undefined): boolean {
  if (revents & (POLLERR | POLLNVAL)) return false;
  if (s.kind === 'memcg') {
    drainEventfd(s.fd);
    return memcg === undefined || existsSync(join(memcg, 'cgroup.procs'));
  }
  return true;
}

export function closeSource(s: WatchSource): void {
  try {
    if (s.kind === 'memcg') close(s.fd);
    else closeSync(s.fd);
  } catch {
    /* already closed */
  }
}
