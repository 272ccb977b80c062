// A fake /proc/meminfo for a daemon in a private mount namespace (`unshare -m` and a bind
// mount over /proc/meminfo): the machine "runs low" without using any real memory.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Why a file cannot be bind-mounted over /proc/meminfo here, if it cannot. */
export function needPrivateMounts(): string | undefined {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /proc/version /proc/meminfo && head -c 5 /proc/meminfo'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('Linux') ? undefined : 'cannot bind-mount over /proc/meminfo in a private mount namespace (unshare -m)';
}

/** The real /proc/meminfo with these fields (KiB) replaced. */
export function fakeMeminfo(fields: Record<string, number> = {}): string {
  return readFileSync('/proc/meminfo', 'utf8')
    .split('\n')
    .map((line) => {
      const key = line.split(':')[0] ?? '';
      return fields[key] !== undefined ? `${key}:${String(fields[key]).padStart(16)} kB` : line;
    })
    .join('\n');
}
