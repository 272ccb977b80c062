// The ThresholdPoller's check for a policy: read the domain's memory, ask the policy's own
// needsAction() whether to act (so "when to act" is decided in one place), and its
// headroom() how far memory is from acting — which only sets the next sleep.
import type { Headroom, MemoryView } from '../../model/memory-view.js';
import type { ThresholdCheck } from './threshold-poller.js';

interface PolicyCheckOptions {
  readMemory(): Promise<MemoryView>;
  /** The policy's needsAction(view, params), bound by the caller. */
  needsAction(view: MemoryView): boolean;
  headroom(view: MemoryView): Headroom;
  /** TriggerEvent.level when acting (default "critical"). */
  level?: string;
  /** A short description of the memory for the event's detail. */
  describe?(view: MemoryView): string;
}

/** Build a ThresholdPoller check from a memory reader, a policy and a headroom function. */
export function policyThresholdCheck(o: PolicyCheckOptions): () => Promise<ThresholdCheck> {
  return async () => {
    const view = await o.readMemory();
    const h = o.headroom(view);
    const result: ThresholdCheck = { act: o.needsAction(view), headroomKiB: h.headroomKiB };
    if (h.swapHeadroomKiB !== undefined) result.swapHeadroomKiB = h.swapHeadroomKiB;
    if (o.level !== undefined) result.level = o.level;
    if (o.describe) result.detail = o.describe(view);
    return result;
  };
}
