// What kind of cgroup a domain's path is. A cgroup v1 memory directory has
// memory.limit_in_bytes; a cgroup2 directory has cgroup.controllers (and, with the memory
// controller, memory.max; on this project's hosts cgroup2 has no memory controller, yet
// every group has memory.pressure).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainKind } from '../../model/memory-view.js';

export class DomainPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DomainPathError';
  }
}

export function classifyDomain(memcg: string | null): DomainKind {
  if (memcg === null) return 'machine';
  if (existsSync(join(memcg, 'memory.limit_in_bytes'))) return 'memcg-v1';
  if (existsSync(join(memcg, 'cgroup.controllers'))) return existsSync(join(memcg, 'memory.events')) ? 'cgroup2-memory' : 'cgroup2';
  if (!existsSync(memcg)) throw new DomainPathError(`${memcg} does not exist`);
  throw new DomainPathError(`${memcg} is neither a cgroup v1 memory directory nor a cgroup2 directory`);
}
