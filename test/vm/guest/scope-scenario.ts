// Guest side of issue 14's scope check on a modern host (test/vm/cgroup2-domain.test.ts):
// the desktop of test/cli/run-scopes.test.ts, but on cgroup2 with the memory controller,
// so the scope stage sizes each scope by its own memory.current. Runs in the VM as root and
// prints one JSON line of what happened; the host-side test asserts.
//
// One reapd guards three cgroup2 groups (a reapd start costs ~20 s under TCG); the cases run
// one after another in them, so only one case's memory is in use at a time:
//   off    no scope keys: simple-lmk takes a 120 MiB browser process (the check can fail);
//   scope  scope = "cgroup": the leaker dies, every browser process survives;
//   whole  scope = "cgroup", kill_unit = "cgroup": the leak scope (leaker + 2 helpers) dies
//          whole, each member reaped, nothing outside it touched.
// Each group: memory.max 720 MiB, no swap, children browser.scope (5 × 120 MiB, plus 32 MiB
// of tmpfs written from inside it: charged to its memory.current, mapped by no process) and
// leak.scope (one process growing from 10 MiB by 10 MiB every 400 ms). simple-lmk acts at
// 32 MiB of headroom below memory.high (720 − 16 MiB hold_back): when the leak holds ~40 MiB.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reapd, type LogLine } from '../../cli/run-harness.js';
import { spawnHog, withTimeout, type Hog } from '../../helpers/hog.js';

const MIB = 1 << 20;
const LIMIT_MIB = 720;
const BROWSER_MIB = 120;
const TMPFS_MIB = 32;
/** Short, so a scope sampled while its processes were still filling has left the window when the leak starts. */
const WINDOW = '3s';
const SETTLE_MS = 4500;
const CASES = { off: [] as string[], scope: ['scope = "cgroup"', `scope_window = "${WINDOW}"`], whole: ['scope = "cgroup"', `scope_window = "${WINDOW}"`, 'kill_unit = "cgroup"'] };
type CaseName = keyof typeof CASES;

class Group {
  readonly path: string;
  readonly hogs: Hog[] = [];
  browser: Hog[] = [];
  leakers: Hog[] = [];
  private shmFile: string | null = null;

  constructor(readonly name: CaseName, private readonly shmDir: string) {
    this.path = `/sys/fs/cgroup/reapd-vm-scopes-${name}-${process.pid}`;
    mkdirSync(this.path);
    writeFileSync(join(this.path, 'memory.max'), String(LIMIT_MIB * MIB));
    if (existsSync(join(this.path, 'memory.swap.max'))) writeFileSync(join(this.path, 'memory.swap.max'), '0');
    writeFileSync(join(this.path, 'cgroup.subtree_control'), '+memory');
    for (const s of ['browser.scope', 'leak.scope']) mkdirSync(join(this.path, s));
  }

  read(file: string): string {
    return readFileSync(join(this.path, file), 'utf8').trim();
  }

  /** The browser: 32 MiB of tmpfs charged to the scope by a shell that exits, then five processes. */
  async fillBrowser(): Promise<void> {
    this.shmFile = join(this.shmDir, `browser-${this.name}`);
    execFileSync('sh', ['-c', `echo $$ > '${this.path}/browser.scope/cgroup.procs' && head -c ${TMPFS_MIB * MIB} /dev/zero > '${this.shmFile}'`]);
    for (let i = 0; i < 5; i++) this.browser.push(spawnHog({ mib: BROWSER_MIB, oomScoreAdj: 0, cgroups: [join(this.path, 'browser.scope')], name: `vm-tab${i}` }));
    const helpers = this.name === 'whole' ? 2 : 0;
    for (let i = 0; i < helpers; i++) this.leakers.push(spawnHog({ mib: 10, oomScoreAdj: 0, cgroups: [join(this.path, 'leak.scope')], name: `vm-lhelp${i}` }));
    this.hogs.push(...this.browser, ...this.leakers);
    await withTimeout(Promise.all(this.hogs.map((h) => h.ready)), 60_000, 'browser and helpers ready');
  }

  startLeak(): Hog {
    const leak = spawnHog({ mib: 400, stepMiB: 10, stepMs: 400, oomScoreAdj: 0, cgroups: [join(this.path, 'leak.scope')], name: 'vm-leak' });
    this.leakers.unshift(leak);
    this.hogs.push(leak);
    return leak;
  }

  async remove(): Promise<void> {
    await Promise.all(this.hogs.map((h) => h.kill()));
    if (this.shmFile !== null && existsSync(this.shmFile)) unlinkSync(this.shmFile);
    for (const dir of [join(this.path, 'browser.scope'), join(this.path, 'leak.scope'), this.path]) {
      const deadline = Date.now() + 10_000;
      while (existsSync(dir)) {
        try {
          rmdirSync(dir);
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }
}

function config(groups: readonly Group[]): string {
  const lines = ['[daemon]', 'socket = ""', 'self_protect = true'];
  for (const g of groups) {
    lines.push('[[domain]]', `name = "${g.name}"`, `memcg = "${g.path}"`, 'policy = "simple-lmk"', 'minfree = "32MiB"',
      'reclaim_timeout = "2s"', 'hold_back = "16MiB"', ...CASES[g.name]);
  }
  return lines.join('\n');
}

const alive = (h: Hog): boolean => h.child.exitCode === null && h.child.signalCode === null;
const kib = (bytes: string): number => Math.round(Number(bytes) / 1024);

async function runCase(reapd: Reapd, g: Group): Promise<Record<string, unknown>> {
  await g.fillBrowser();
  // Let the scope sampler see the browser at its full size for longer than the window.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const browserCurrentKiB = kib(g.read('browser.scope/memory.current'));
  g.startLeak();
  const decision = await reapd.waitForEvent('decision', 90_000, (l) => l.domain === g.name && Array.isArray(l.victims) && l.victims.length > 0);
  const expected = (decision.victims as unknown[]).length;
  await reapd.waitFor(() => reapd.events('kill', g.name).length >= expected, 30_000, `${g.name}: kill lines`);
  const kills = reapd.events('kill', g.name).slice(0, expected);
  const killed = new Set(kills.map((k) => Number(k.pid)));
  await Promise.all(g.hogs.filter((h) => killed.has(h.pid)).map((h) => withTimeout(h.exited, 10_000, `pid ${h.pid} exit`)));
  const out = {
    kills: kills.map((k: LogLine) => ({ pid: Number(k.pid), sizeKiB: k.sizeKiB, scope: k.scope, scopeKiB: k.scopeKiB, scopeWhy: k.scopeWhy, killed: k.killed, reaped: k.reaped, notes: k.notes })),
    decisionScopes: decision.scopes ?? null,
    browserCurrentKiB,
    pids: { browser: g.browser.map((h) => h.pid), leak: g.leakers.map((h) => h.pid) },
    alive: { browser: g.browser.map(alive), leak: g.leakers.map(alive) },
    leakFreeze: g.read('leak.scope/cgroup.freeze'),
    oomKill: Number(/^oom_kill (\d+)$/m.exec(g.read('memory.events'))?.[1] ?? -1),
  };
  await Promise.all(g.hogs.map((h) => h.kill())); // the next case starts with this memory free
  return out;
}

async function main(): Promise<Record<string, unknown>> {
  const shmDir = mkdtempSync(join(tmpdir(), 'reapd-vm-shm-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MIB * 4}m`, 'tmpfs', shmDir]);
  const groups: Group[] = [];
  const reapd = new Reapd();
  try {
    for (const name of Object.keys(CASES) as CaseName[]) groups.push(new Group(name, shmDir));
    const startedAt = Date.now();
    reapd.start({ config: config(groups) });
    await Promise.all(groups.map((g) => reapd.waitForEvent('domain-started', 120_000, (l) => l.domain === g.name)));
    const out: Record<string, unknown> = { memTotalKiB: Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]), startMs: Date.now() - startedAt };
    for (const g of groups) out[g.name] = await runCase(reapd, g);
    out['reapdExit'] = (await reapd.stop()).code;
    if (process.env['REAPD_VM_SCENARIO_LOG'] === '1') out['log'] = reapd.raw.slice(-80);
    return out;
  } finally {
    await reapd.cleanup();
    for (const g of groups) await g.remove().catch((e: unknown) => console.error(`remove ${g.path}: ${String(e)}`));
    execFileSync('umount', [shmDir]);
    rmdirSync(shmDir);
  }
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exitCode = 1;
  },
);
