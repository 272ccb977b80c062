// Where earlyoom is, for the side-by-side benchmarks. Debian's package starts a system-wide
// service through its init script when installed on a machine with an init system; for a
// benchmark only the binary is needed:
//   apt-get download earlyoom && dpkg -x earlyoom_*.deb /tmp/earlyoom   (then REAPD_EARLYOOM=/tmp/earlyoom/usr/bin/earlyoom)
// or `apt-get install -y earlyoom` where no init system runs. Absent: the comparison is
// skipped with a message.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findEarlyoom(): { path?: string; version?: string; why?: string } {
  const candidates = [process.env.REAPD_EARLYOOM, '/usr/bin/earlyoom', '/usr/local/bin/earlyoom'].filter((p): p is string => !!p);
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    // earlyoom -v prints its version on stderr.
    const r = spawnSync(path, ['-v'], { encoding: 'utf8' });
    const version = `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
    if (r.status === 0 && version) return { path, version };
  }
  return { why: 'earlyoom not found (install it, or set REAPD_EARLYOOM to its binary): comparison skipped' };
}
