// `reapd explain` as a user runs it: on saved snapshots (hand-written v1 fixtures) and on
// this live machine. It only explains — these tests check that it never names pid 1 or
// itself and that bad input ends with the documented exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { POLICY_NAMES } from '../../src/model/decision.js';
import { FIXTURES, REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';
import { memcgV1 } from '../helpers/cgroup.js';
import { spawnHog, withTimeout } from '../helpers/hog.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';

const SNAPSHOTS = join(FIXTURES, 'snapshots');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

function reapd(...args: string[]): Run {
  const r = spawnSync(process.execPath, [REAPD_BIN, 'explain', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, pid: r.pid ?? -1 };
}

interface FrameJson {
  policy: string;
  domain: string;
  victims: Array<{ pid: number; name: string; oomScoreAdj: number; sizeKiB: number; why: string }>;
  candidates: Array<{ pid: number; rank: number }>;
  skipped: Array<{ pid: number; reason: string }>;
  summary: string;
}

function frames(r: Run): FrameJson[] {
  assert.equal(r.status, EXIT.OK, r.stderr);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as FrameJson);
}

test('explain a saved snapshot: trigger, ranked candidates, victims and skipped counts', () => {
  const r = reapd('--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', 'lowmemorykiller');
  assert.equal(r.status, EXIT.OK, r.stderr);
  assert.match(r.stdout, /^Policy lowmemorykiller: levels 6\.0 MiB:0, 8\.0 MiB:58, 16\.0 MiB:352, 64\.0 MiB:705/);
  assert.match(r.stdout, /Trigger: act/);
  assert.match(r.stdout, /<- applies/);
  assert.match(r.stdout, /Candidates: 6, ranked/);
  assert.match(r.stdout, /1\. chrome_sandboxed \(pid 2611, adj 915, uid 99001\) frees 65\.0 MiB/);
  assert.match(r.stdout, /Skipped: 10 \(/);
});

test('--json: one object per snapshot, victims in kill order with pid, name, oomScoreAdj, sizeKiB', () => {
  for (const policy of POLICY_NAMES) {
    // lmkd's table, from a file whose domain is not lmkd: the embedded default's lmkd runs mode psi,
    // which needs the vmstat and watermarks this fixture lacks.
    const mode = policy === 'lmkd' ? ['--config', join(REPO_ROOT, 'config', 'earlyoom.toml')] : [];
    const [f] = frames(reapd('--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', policy, ...mode, '--json'));
    assert.equal(f?.policy, policy);
    assert.ok((f?.victims.length ?? 0) > 0, `${policy}: ${f?.summary}`);
    const ranked = new Set(f?.candidates.map((c) => c.pid));
    for (const v of f?.victims ?? []) {
      assert.ok(ranked.has(v.pid), `${policy}: victim ${v.pid} is a candidate`);
      assert.equal(typeof v.name, 'string');
      assert.ok(v.oomScoreAdj >= 0 && v.sizeKiB > 0 && v.why.length > 0);
      assert.notEqual(v.pid, 1);
    }
  }
});

test('NDJSON: one line per snapshot, state carried on the snapshots\' clock', () => {
  const trace = join(SNAPSHOTS, 'desktop-trace.ndjson');
  const lmk = frames(reapd('--snapshot', trace, '--policy', 'lowmemorykiller', '--levels', '64MiB:200,128MiB:300', '--json'));
  assert.deepEqual(lmk.map((f) => f.victims.map((v) => v.pid)), [[5333], [], [5200]]);
  assert.match(lmk[1]?.summary ?? '', /Death pending/);
  const lmkd = frames(reapd('--snapshot', trace, '--policy', 'lmkd', '--levels', '64MiB:200', '--kill-timeout', '2s', '--json'));
  assert.deepEqual(lmkd.map((f) => f.victims.map((v) => v.pid)), [[5333], [], [5200]]);
});

test('a cgroup snapshot: the domain\'s own numbers, processes outside it skipped', () => {
  const [f] = frames(reapd('--snapshot', join(SNAPSHOTS, 'cgroup-batch.json'), '--policy', 'lmkd', '--levels', '8MiB:0', '--json'));
  assert.deepEqual(f?.victims.map((v) => v.pid), [7001], '3 MiB headroom and 3 MiB cache are below 8 MiB');
  assert.equal(f?.skipped.find((s) => s.pid === 7100)?.reason, 'outside-domain');
});

test('protect, prefer and avoid on the command line', () => {
  const phone = join(SNAPSHOTS, 'phone.json');
  const [f] = frames(reapd('--snapshot', phone, '--policy', 'lowmemorykiller', '--protect', 'cmdline:sandboxed', '--avoid', 'name:^com\\.twitter', '--json'));
  assert.equal(f?.skipped.find((s) => s.pid === 2611)?.reason, 'protected');
  assert.equal(f?.victims[0]?.pid, 2590, 'twitter (906) is avoided; chrome (900, largest) dies');
  const [g] = frames(reapd('--snapshot', phone, '--policy', 'oom-score', '--prefer', 'uid:10013', '--json'));
  assert.equal(g?.victims[0]?.pid, 2210);
});

test('--config: the domain\'s policy, parameters and rules, flags on top', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-'));
  try {
    const config = join(dir, 'reapd.toml');
    writeFileSync(config, '[rules]\n[[rules.protect]]\nname = "^com\\\\.whatsapp$"\n\n[[domain]]\nname = "phone"\npolicy = "lmkd"\nlevels = "64MiB:900"\n');
    const [f] = frames(reapd('--snapshot', join(SNAPSHOTS, 'phone.json'), '--config', config, '--json'));
    assert.equal(f?.policy, 'lmkd');
    assert.ok(f?.victims.every((v) => v.oomScoreAdj >= 900));
    assert.equal(f?.skipped.find((s) => s.pid === 2455)?.reason, 'protected');
    const missing = reapd('--snapshot', join(SNAPSHOTS, 'phone.json'), '--config', config, '--domain', 'nope');
    assert.equal(missing.status, EXIT.USAGE);
    assert.match(missing.stderr, /no domain "nope" .*\(domains: phone\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: unreadable or invalid snapshots exit with INPUT, bad flags with USAGE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-'));
  try {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"version": 1, "memory": ');
    const cases: Array<[string[], number, RegExp]> = [
      [['--snapshot', join(dir, 'missing.json')], EXIT.INPUT, /cannot read snapshot .*missing\.json: ENOENT/],
      [['--snapshot', broken], EXIT.INPUT, /invalid snapshot .*broken\.json/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', 'earlyoom'], EXIT.USAGE, /--policy: expected one of .*got "earlyoom"/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', 'lmkd', '--minfree', '64MiB'], EXIT.USAGE, /--minfree: "minfree" is a parameter of simple-lmk, not of this domain's policy "lmkd"/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', 'lmkd', '--levels', '64MiB:0,6MiB:900'], EXIT.USAGE, /level 2: minfree 6\.0 MiB is not above/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--policy', 'simple-lmk', '--minfree', 'lots'], EXIT.USAGE, /minfree "lots" is not a size/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--protect', 'name:('], EXIT.USAGE, /--protect: name pattern/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--top', '-3'], EXIT.USAGE, /--top/],
      [['--snapshot', join(SNAPSHOTS, 'phone.json'), '--bogus'], EXIT.USAGE, /unknown option/],
    ];
    for (const [args, code, message] of cases) {
      const r = reapd(...args);
      assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '', 'nothing on stdout when it fails');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A process of this test's own that explain may name: on a bare CI host every other
 * process can be pid 1, a kernel thread or an ancestor of explain (all left out), so the
 * live tests bring their own candidate instead of assuming the machine has one.
 */
function spawnSleeper(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  // Until it has exec'd, the child is a copy of this node in the middle of a spawn: wait for "sleep" (at most 5 s).
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    try {
      if (readFileSync(`/proc/${child.pid ?? 0}/comm`, 'utf8').trim() === 'sleep') break;
    } catch {
      // not there yet
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return child;
}

function stopSleeper(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

test('live: never names pid 1 or the explaining process, even when asked for everything', () => {
  // A minfree no machine has: every candidate would be a victim — which shows the
  // protection is what keeps pid 1 and explain itself out. Nothing is killed.
  const sleeper = spawnSleeper();
  try {
    liveEverything(sleeper.pid ?? -1);
  } finally {
    stopSleeper(sleeper);
  }
});

function liveEverything(sleeperPid: number): void {
  const r = reapd('--policy', 'simple-lmk', '--minfree', '1024GiB', '--json');
  const [f] = frames(r);
  assert.ok(f && f.victims.some((v) => v.pid === sleeperPid), 'the test\'s own sleeper (adj 0) is a victim');
  const named = new Set([...f.victims.map((v) => v.pid), ...f.candidates.map((c) => c.pid)]);
  assert.ok(!named.has(1), 'pid 1');
  assert.ok(!named.has(r.pid), 'the explain process');
  assert.equal(f.skipped.find((s) => s.pid === 1)?.reason, 'pid-1');
  assert.equal(f.skipped.find((s) => s.pid === r.pid)?.reason, 'self');
  assert.ok(f.skipped.some((s) => s.reason === 'kernel-thread'), 'kernel threads are seen and skipped');
}

test('live: every policy explains the machine in human form', () => {
  const sleeper = spawnSleeper();
  try {
    liveHumanForm();
  } finally {
    stopSleeper(sleeper);
  }
});

// --top 5 may not reach the sleeper on a busy machine; on a bare one it is the victim
// that makes "Victims, in kill order" true.
function liveHumanForm(): void {
  const args: Record<string, string[]> = {
    'simple-lmk': [],
    lowmemorykiller: ['--levels', '1024GiB:0'],
    lmkd: ['--levels', '1024GiB:0'],
    'oom-score': ['--mem-available', '100'],
  };
  for (const policy of POLICY_NAMES) {
    const r = reapd('--policy', policy, ...(args[policy] ?? []), '--top', '5');
    assert.equal(r.status, EXIT.OK, `${policy}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Policy ${policy}: `));
    assert.match(r.stdout, /Snapshot live( at \S+)?: the whole machine, \d+ processes/);
    assert.match(r.stdout, /Victims, in kill order:\n {2}1\. /);
    assert.match(r.stdout, /Skipped: \d+ \(.*pid-1 1.*\)/);
    assert.ok(!new RegExp(`\\(pid ${r.pid},`).test(r.stdout), `${policy}: explain never lists itself as a victim`);
  }
}

test(
  'live --memcg: one cgroup domain, its own numbers, only its processes',
  { skip: firstReason(needRoot(), needCgroupV1('memory'), needCc()) },
  async () => {
    const cg = memcgV1({ limitMiB: 64 });
    const hog = spawnHog({ mib: 24, oomScoreAdj: 500, cgroups: [cg.path] });
    try {
      await withTimeout(hog.ready, 10_000, 'hog ready');
      // Headroom (64 MiB - usage) and the group's page cache are both below 1 GiB.
      const [f] = frames(reapd('--memcg', cg.path, '--policy', 'lowmemorykiller', '--levels', '1GiB:0', '--json'));
      assert.ok(f?.domain.endsWith(cg.path.split('/').at(-1) as string), f?.domain);
      assert.deepEqual(f?.candidates.map((c) => c.pid), [hog.pid], 'only the cgroup\'s process is ranked');
      assert.deepEqual(f?.victims.map((v) => v.pid), [hog.pid]);
      assert.ok((f?.victims[0]?.sizeKiB ?? 0) >= 24 * 1024, 'the hog\'s 24 MiB are resident');
      assert.equal(hog.child.exitCode, null, 'explain killed nothing');
    } finally {
      await hog.kill();
      await cg.remove();
    }
  },
);

test('explain with no flags explains what run runs (the embedded default), never its own ancestors (issue 11 item 8)', () => {
  const out = spawnSync('sh', ['-c', `echo "$$"; ${process.execPath} ${REAPD_BIN} explain --json --policy simple-lmk --minfree 100GiB; true`], { encoding: 'utf8', timeout: 30_000 });
  const [shPid, json] = out.stdout.split('\n');
  const f = JSON.parse(json ?? '{}') as { policy: string; victims: Array<{ pid: number }>; candidates: Array<{ pid: number }>; skipped: Array<{ pid: number }> };
  const all = [...f.victims, ...f.candidates, ...f.skipped].map((p) => p.pid);
  assert.ok(all.length > 0, 'the live system has candidates');
  assert.ok(!all.includes(Number(shPid)), `the shell that ran explain (${shPid}) is listed`);
  assert.ok(!all.includes(process.pid), 'the test runner that ran the shell is listed');
  const plain = JSON.parse(reapd('--json').stdout.split('\n')[0] ?? '{}') as { policy: string };
  assert.equal(plain.policy, 'lmkd', 'the embedded default, as run uses it');
});
