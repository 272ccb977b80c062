// A trigger plan (trigger-plan.ts) made real: PSI triggers and memcg eventfds on the
// shared FdPoller, the adaptive ThresholdPoller reading the domain's memory. Threshold
// checks call the policy's own needsAction(), so "when to act" is decided in one place;
// the policy's headroom() only decides how long the poller may sleep (earlyoom's formula).
import type { Clock } from '../engine/ports.js';
import { formatKiB } from '../model/units.js';
import type { Policy } from '../policy/types.js';
import type { MemoryView } from '../model/memory-view.js';
import { MemcgEventTrigger } from '../kernel/triggers/memcg-event.js';
import { MemoryEventsTrigger } from '../kernel/triggers/memory-events.js';
import { policyThresholdCheck } from '../kernel/triggers/threshold-check.js';
import { PsiTrigger } from '../kernel/triggers/psi-trigger.js';
import { ThresholdPoller } from '../kernel/triggers/threshold-poller.js';
import type { FdPoller } from '../kernel/fd-poller.js';
import type { TriggerEnd, TriggerLog, TriggerSource } from '../kernel/triggers/types.js';
import type { PlannedSource } from './trigger-plan.js';

interface TriggerContext {
  poller: FdPoller;
  clock: Clock;
  log: TriggerLog;
  onEnded(end: TriggerEnd): void;
  readMemory(): Promise<MemoryView>;
  policy: Policy<unknown, unknown>;
  /** Current params (read at every check, so a reload applies at once). */
  params(): unknown;
}

function describeView(view: MemoryView): string {
  const cg = view.cgroup;
  if (cg) return `cgroup usage ${formatKiB(cg.usageKiB)} of ${cg.limitKiB === null ? 'no limit' : formatKiB(cg.limitKiB)}`;
  return `available ${formatKiB(view.memory.availableKiB)} of ${formatKiB(view.memory.totalKiB)}, free ${formatKiB(view.memory.freeKiB)}`;
}

export function buildTrigger(s: PlannedSource, ctx: TriggerContext): TriggerSource {
  const common = { log: ctx.log, onEnded: ctx.onEnded, nowMs: ctx.clock.nowMs };
  switch (s.kind) {
    case 'psi':
      return new PsiTrigger({ ...common, poller: ctx.poller, path: s.path, kind: s.psiKind, stallUs: s.stallUs, windowUs: s.windowUs, ...(s.level ? { level: s.level } : {}) });
    case 'memcg':
      return new MemcgEventTrigger({
        ...common,
        poller: ctx.poller,
        memcgPath: s.memcg,
        level: s.event === 'oom' ? 'oom' : 'critical',
        event: s.event === 'oom' ? { kind: 'oom' } : { kind: 'pressure', level: 'critical' },
      });
    case 'memory-events':
      return new MemoryEventsTrigger({ ...common, poller: ctx.poller, groupPath: s.group });
    case 'poll':
      return new ThresholdPoller({
        ...common,
        source: 'threshold',
        ...(s.level ? { level: s.level } : {}),
        constants: { minSleepMs: s.minMs, maxSleepMs: s.maxMs },
        ...(s.wake ? { wakeBy: new PsiTrigger({ ...common, name: `psi-wake ${s.wake.path}`, poller: ctx.poller, path: s.wake.path, kind: s.wake.psiKind, stallUs: s.wake.stallUs, windowUs: s.wake.windowUs }) } : {}),
        check: policyThresholdCheck({
          readMemory: ctx.readMemory,
          needsAction: (view) => ctx.policy.needsAction(view, ctx.params()),
          headroom: (view) => ctx.policy.headroom(view, ctx.params()),
          describe: describeView,
        }),
      });
  }
}
