// /proc/PID/cgroup: "hierarchy-ID:controller-list:path" per line. On this hybrid host:
//   4:memory:/reapd-capture
//   6:freezer:/
//   9:name=systemd:/
//   0::/
// The "0::" line is the cgroup2 path. A path may itself contain ':' (only the first two
// colons separate fields), and a removed cgroup2 group reads "/x (deleted)".

export interface ProcCgroups {
  /** cgroup v1 memory controller path. */
  memoryV1?: string;
  freezerV1?: string;
  /** cgroup2 path (the "0::" line). */
  v2?: string;
  /** Every v1 controller (and name=… hierarchy) to its path. */
  v1: Record<string, string>;
}

/** Parse /proc/PID/cgroup. Total: a record, or undefined when no line has the shape. */
export function parseProcCgroup(text: string): ProcCgroups | undefined {
  if (typeof text !== 'string') return undefined;
  const out: ProcCgroups = { v1: {} };
  let lines = 0;
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    if (a <= 0) continue;
    const b = line.indexOf(':', a + 1);
    if (b < 0) continue;
    const id = line.slice(0, a);
    if (!/^\d+$/.test(id)) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (!path.startsWith('/')) continue;
    lines++;
    if (id === '0' && controllers === '') {
      out.v2 = path;
      continue;
    }
    for (const c of controllers.split(',')) {
      if (c === '' || c === '__proto__') continue;
      out.v1[c] = path;
      if (c === 'memory') out.memoryV1 = path;
      else if (c === 'freezer') out.freezerV1 = path;
    }
  }
  return lines > 0 ? out : undefined;
}
