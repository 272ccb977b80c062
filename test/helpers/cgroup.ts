// Temporary cgroups for tests: created under a unique name, removed afterwards.
// Removal first kills (by pid, only processes the test placed there) and reaps, then rmdirs.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP2_ROOT } from './skip.js';

let counter = 0;

export interface TestCgroup {
  path: string;
  write(file: string, value: string): void;
  read(file: string): string;
  pids(): number[];
  remove(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `reapd-test-${prefix}-${process.pid}-${++counter}`;
}

function make(root: string, name: string, onRemove?: () => void): TestCgroup {
  const path = join(root, name);
  mkdirSync(path);
  const cg: TestCgroup = {
    path,
    write: (file, value) => writeFileSync(join(path, file), value),
    read: (file) => readFileSync(join(path, file), 'utf8'),
    pids: () =>
      existsSync(path)
        ? readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
        : [],
    remove: async () => {
      onRemove?.();
      const deadline = Date.now() + 5000;
      while (existsSync(path)) {
        try {
          rmdirSync(path);
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
  };
  return cg;
}

/** A cgroup v1 memory cgroup. oomKillDisable: the kernel never kills in it (memory.oom_control=1). */
export function memcgV1(opts: { limitMiB?: number; oomKillDisable?: boolean } = {}): TestCgroup {
  const cg = make('/sys/fs/cgroup/memory', uniqueName('mem'));
  if (opts.oomKillDisable) cg.write('memory.oom_control', '1');
  if (opts.limitMiB !== undefined) cg.write('memory.limit_in_bytes', String(opts.limitMiB * 1024 * 1024));
  return cg;
}

/** A cgroup v1 freezer cgroup; thawed before removal so nothing stays stuck. */
export function freezerV1(): TestCgroup {
  const name = uniqueName('frz');
  const cg = make('/sys/fs/cgroup/freezer', name, () => {
    try {
      writeFileSync(join('/sys/fs/cgroup/freezer', name, 'freezer.state'), 'THAWED');
    } catch {
      /* already gone */
    }
  });
  return cg;
}

/** A cgroup2 group (for memory.pressure, cgroup.freeze, cgroup.kill). */
export function cgroup2(): TestCgroup {
  return make(CGROUP2_ROOT, uniqueName('v2'));
}
