// Memory-stall generator for PSI tests (kernel-interfaces §1.4): a page-cache thrasher
// (thrash.c) in a small v1 memcg (which supplies the limit) and a cgroup2 group (whose
// memory.pressure reports the stall). Everything is removed by stop().
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroup2, memcgV1, type TestCgroup } from '../../helpers/cgroup.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const FILE_MIB = 128;
const LIMIT_MIB = 32;

export function thrashBinary(): string {
  const src = join(REPO_ROOT, 'test', 'kernel', 'triggers', 'thrash.c');
  const hash = createHash('sha1').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `reapd-thrash-${hash}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-o', out, src]);
  return out;
}

/** A real (non-sparse) file on disk, larger than the memcg limit. */
function dataFile(): string {
  const path = join(tmpdir(), `reapd-thrash-${FILE_MIB}m.dat`);
  if (existsSync(path) && statSync(path).size === FILE_MIB * 1024 * 1024) return path;
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  for (let i = 0; i < FILE_MIB; i++) writeSync(fd, chunk);
  fsyncSync(fd); // clean pages, so the thrasher's fadvise(DONTNEED) can drop them
  closeSync(fd);
  return path;
}

export interface PressureGroups {
  memcg: TestCgroup;
  cg2: TestCgroup;
  remove(): Promise<void>;
}

/** A v1 memcg (32 MiB limit) and an empty cgroup2 group, to put a thrasher into. */
export function pressureGroups(): PressureGroups {
  const memcg = memcgV1({ limitMiB: LIMIT_MIB });
  let cg2: TestCgroup;
  try {
    cg2 = cgroup2();
  } catch (e) {
    void memcg.remove();
    throw e;
  }
  return { memcg, cg2, remove: async () => { await cg2.remove(); await memcg.remove(); } };
}

export interface Thrasher {
  pid: number;
  /** Date.now() when the thrasher reported its mapping done (stall starts right after). */
  started: Promise<number>;
  /** SIGKILL our own child by pid and wait until it is reaped. */
  kill(): Promise<void>;
}

export function startThrasher(groups: PressureGroups): Thrasher {
  const bin = thrashBinary();
  const file = dataFile();
  const script = `echo $$ > '${groups.memcg.path}/cgroup.procs' && echo $$ > '${groups.cg2.path}/cgroup.procs' && exec '${bin}' '${file}'`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve(Date.now());
    });
    void exited.then(() => reject(new Error('thrasher exited before it started')));
  });
  started.catch(() => undefined);
  if (child.pid === undefined) throw new Error('spawn failed');
  return {
    pid: child.pid,
    started,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
