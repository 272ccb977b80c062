// /proc/self/mountinfo (proc(5)): "id parent major:minor root mountpoint options
// [optional fields…] - fstype source superoptions". Real lines from this host:
//   35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
//   41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
// Spaces, tabs, newlines and backslashes in paths are written as octal escapes (\040).

export interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8) & 0xff));
}

/** Parse one mountinfo line. Total: undefined when the line lacks the " - " separator or fields. */
function parseMountinfoLine(line: string): Mount | undefined {
  const parts = line.split(' ');
  const dash = parts.indexOf('-', 6);
  if (dash < 6 || parts.length < dash + 3) return undefined;
  const root = parts[3];
  const mountPoint = parts[4];
  const fsType = parts[dash + 1];
  const source = parts[dash + 2];
  if (!root || !mountPoint || !fsType || source === undefined) return undefined;
  return {
    root: unescapeOctal(root),
    mountPoint: unescapeOctal(mountPoint),
    fsType,
    source: unescapeOctal(source),
    superOptions: (parts[dash + 3] ?? '').split(',').filter(Boolean),
  };
}

export function parseMountinfo(text: string): Mount[] {
  if (typeof text !== 'string') return [];
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const m = parseMountinfoLine(line);
    if (m) out.push(m);
  }
  return out;
}
