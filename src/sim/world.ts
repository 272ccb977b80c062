// Builds the virtual machine for one run: pids in declaration order (init, kernel
// threads and the daemon itself first when a domain asks for them), one SimDomain each.
import { domainCgroupPath } from '../policy/domain.js';
import type { DomainSpec, ProcessSpec, Scenario } from './scenario/types.js';
import { SimProcess } from './kernel/process.js';
import { scopeCgroupPath } from './scenario/scopes.js';

/** The daemon's own pid in every simulated machine: policies must never pick it. */
export const SELF_PID = 400;
const FIRST_PID = 1000;

const MiB = 1024;

function systemSpec(domain: string, name: string, uid: number, adj: number, anonKiB: number, kernelThread = false): ProcessSpec {
  return {
    name,
    domain,
    uid,
    adj,
    startMs: 0,
    stopMs: null,
    anon: { kind: 'constant', sizeKiB: anonKiB },
    fileKiB: kernelThread ? 0 : 4 * MiB,
    shmemKiB: 0,
    cpu: 0,
    frozen: false,
    cpuStarved: false,
    sharedMm: false,
    kernelThread,
    scope: null,
  };
}

/** pid 1, two kernel threads and reapd (adj -1000: set while privileged, as in production). */
function systemProcesses(domain: string): Array<[number, ProcessSpec]> {
  return [
    [1, systemSpec(domain, 'systemd', 0, 0, 12 * MiB)],
    [2, systemSpec(domain, 'kthreadd', 0, 0, 0, true)],
    [3, systemSpec(domain, 'kswapd0', 0, 0, 0, true)],
    [SELF_PID, systemSpec(domain, 'reapd', 0, -1000, 40 * MiB)],
  ];
}

interface World {
  /** Processes per domain name, pid order. */
  byDomain: Map<string, SimProcess[]>;
  all: SimProcess[];
}

export function buildWorld(s: Scenario): World {
  const byDomain = new Map<string, SimProcess[]>(s.domains.map((d) => [d.name, []]));
  const all: SimProcess[] = [];
  // /proc/PID/cgroup names the group relative to its hierarchy ("/web"), as the policies expect.
  const memcgOf = (d: DomainSpec | undefined): string | undefined => (d?.kind === 'cgroup' ? domainCgroupPath(d.path) : undefined);
  const add = (pid: number, spec: ProcessSpec): void => {
    const d = s.domains.find((x) => x.name === spec.domain);
    const v2 = spec.scope !== null && d?.scopes.root ? scopeCgroupPath(d.scopes.root, spec.scope) : undefined;
    const p = new SimProcess(pid, spec, memcgOf(d), v2);
    byDomain.get(spec.domain)?.push(p);
    all.push(p);
  };
  const sys = s.domains.find((d) => d.systemProcesses);
  if (sys) for (const [pid, spec] of systemProcesses(sys.name)) add(pid, spec);
  s.processes.forEach((spec, i) => add(FIRST_PID + i, spec));
  return { byDomain, all };
}
