// A ProcessSource whose snapshots carry the scopes' own facts (src/kernel/scope-attrs.ts)
// when the domain has scope = "cgroup": the policy layer stays pure and a saved snapshot
// replays the same scope decision in `explain` and the simulator.
import type { ProcessSource } from '../engine/ports.js';
import type { Victim } from '../model/decision.js';
import type { ProcessInfo, Snapshot } from '../model/snapshot.js';
import type { MemoryView } from '../model/memory-view.js';
import { readScopeAttrs } from './scope-attrs.js';

export class ScopeAttrSource implements ProcessSource {
  constructor(
    private readonly inner: ProcessSource,
    /** The scope root directory, read at every scan so a reload applies; null: scopes off. */
    private readonly root: () => string | null,
  ) {}

  private withScopes(snapshot: Snapshot): Snapshot {
    const root = this.root();
    return root === null ? snapshot : { ...snapshot, scopes: readScopeAttrs(root) };
  }

  async scan(): Promise<Snapshot> {
    return this.withScopes(await this.inner.scan());
  }

  async recheck(victims: readonly Victim[]): Promise<Snapshot | undefined> {
    const fresh = await this.inner.recheck?.(victims);
    return fresh && this.withScopes(fresh);
  }

  async freshen(used: (p: ProcessInfo) => boolean): Promise<Snapshot | undefined> {
    const fresh = await this.inner.freshen?.(used);
    return fresh && this.withScopes(fresh);
  }

  readMemory(): Promise<MemoryView> {
    return this.inner.readMemory();
  }

  afterReclaim(): void {
    this.inner.afterReclaim?.();
  }
}
