// `reapd simulate` end to end: the real CLI on library scenarios and on a trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';

function reapd(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [REAPD_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scenarioPath = (name: string): string => join(REPO_ROOT, 'scenarios', `${name}.toml`);

test('simulate --json: the documented structure, one run per --policy, no-reap runs beside them', () => {
  const r = reapd('simulate', scenarioPath('frozen-background'), '--policy', 'lmkd,oom-score', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { format: string; version: number; kind: string; runs: Array<{ label: string; reap: string; summary: Record<string, unknown>; kills: unknown[] }> };
  assert.equal(out.format, 'reapd-simulation');
  assert.equal(out.version, 1);
  assert.equal(out.kind, 'scenario');
  // frozen-background sets compare_no_reap: each policy comes with its no-reap twin.
  assert.deepEqual(out.runs.map((x) => x.label), ['lmkd', 'lmkd (no reap)', 'oom-score', 'oom-score (no reap)']);
  assert.deepEqual(out.runs.map((x) => x.reap), ['on', 'off', 'on', 'off']);
  for (const run of out.runs) {
    assert.deepEqual(Object.keys(run.summary), ['kills', 'kernelOomKills', 'freedKiB', 'overshootKiB', 'criticalMs', 'stallMs', 'reclaimTimeouts', 'lostByBand']);
  }
});

test('simulate --no-reap adds a run without reaping; --report writes one self-contained HTML file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-sim-'));
  try {
    const report = join(dir, 'report.html');
    const r = reapd('simulate', scenarioPath('desktop-leak'), '--policy', 'simple-lmk', '--no-reap', '--report', report);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /== simple-lmk — simple-lmk; reaping on/);
    assert.match(r.stdout, /== simple-lmk \(no reap\) — simple-lmk; reaping off/);
    assert.match(r.stdout, /== Comparison/);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<svg /);
    assert.doesNotMatch(html, /<script|<link /);
    const again = join(dir, 'again.html');
    reapd('simulate', scenarioPath('desktop-leak'), '--policy', 'simple-lmk', '--no-reap', '--report', again);
    assert.equal(readFileSync(again, 'utf8'), html, 'same input, same report');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate: parameter flags override the scenario (a larger minfree frees more per reclaim)', () => {
  const run = (minfree: string) => {
    const r = reapd('simulate', scenarioPath('desktop-leak'), '--policy', 'simple-lmk', '--minfree', minfree, '--json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { runs: Array<{ reclaims: Array<{ neededKiB: number; victims: number }> }> }).runs[0];
  };
  const small = run('64MiB');
  const large = run('1GiB');
  assert.ok(small && large);
  assert.ok(small.reclaims.every((x) => x.neededKiB === 64 * 1024));
  assert.ok(large.reclaims.every((x) => x.neededKiB === 1024 * 1024));
  assert.ok(Math.max(...large.reclaims.map((x) => x.victims)) > 1, 'a 1 GiB minfree takes several tabs at once');
});

test('simulate: a bad scenario exits 6 naming the key; a bad flag exits 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-sim-'));
  try {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, 'duration = "1m"\n[[domain]]\nsize = "lots"\n[[process]]\nname = "a"\nmemory = "1MiB"\n[[event]]\nat = "1s"\naction = "freeze"\ntarget = "b"\n');
    const r = reapd('simulate', bad);
    assert.equal(r.code, 6);
    assert.match(r.stderr, /domain\[1\]\.size: expected a size/);
    assert.match(r.stderr, /event\[1\]\.target: no process is named "b"/);
    assert.equal(reapd('simulate', scenarioPath('desktop-leak'), '--policy', 'earlyoom').code, 2);
    assert.equal(reapd('simulate', scenarioPath('desktop-leak'), '--minfree', 'lots').code, 2);
    assert.equal(reapd('simulate', join(dir, 'missing.toml')).code, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate TRACE.ndjson: replays recorded snapshots, victims removed from later frames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-sim-'));
  try {
    const MiB = 1024;
    const proc = (pid: number, adj: number, mib: number) => ({
      pid, name: `hog${pid}`, state: 'D', kernelThread: false, exiting: false, uid: 0, startTime: 9000 + pid, oomScoreAdj: adj,
      rssAnonKiB: mib * MiB, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0,
    });
    const memory = { totalKiB: 8 * 1024 * MiB, freeKiB: 4096 * MiB, availableKiB: 6144 * MiB, cachedKiB: 512 * MiB, buffersKiB: 0, shmemKiB: 0, unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 32 * MiB };
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ version: 1, timeMs: 1_700_000_000_000 + i * 100, memory, cgroup: { path: '/sys/fs/cgroup/memory/t', usageKiB: 100 * MiB, limitKiB: 100 * MiB, fileKiB: 0 }, processes: [proc(11, 900, 30), proc(12, 0, 70)] }),
    );
    const trace = join(dir, 'trace.ndjson');
    writeFileSync(trace, `${lines.join('\n')}\n`);
    const r = reapd('simulate', trace, '--policy', 'simple-lmk', '--minfree', '16MiB', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { kind: string; runs: Array<{ kills: Array<{ pid: number; atMs: number }> }> };
    assert.equal(out.kind, 'trace');
    assert.deepEqual(out.runs[0]?.kills.map((k) => [k.pid, k.atMs]), [[11, 0]], 'killed once, on the first frame at the limit');
    writeFileSync(trace, '{"version":1}\n{"version":1}\n');
    const bad = reapd('simulate', trace);
    assert.equal(bad.code, 6);
    assert.match(bad.stderr, /line 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate --units: one run per kill unit, the scope stage\'s kills name their scope; a bad unit exits 2', () => {
  const r = reapd('simulate', scenarioPath('desktop-scopes'), '--policy', 'simple-lmk', '--units', 'process,whole-scope', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { runs: Array<{ label: string; kills: Array<{ name: string; scope?: string; scopeKiB?: number; scopeWhy?: string }> }> };
  assert.deepEqual(out.runs.map((x) => x.label), ['simple-lmk, process', 'simple-lmk, whole scope']);
  const [byProcess, whole] = out.runs;
  assert.equal(byProcess?.kills[0]?.name, 'firefox');
  assert.equal(byProcess?.kills[0]?.scope, undefined);
  assert.deepEqual(whole?.kills.map((k) => k.name), ['node', 'esbuild', 'npm'], 'largest anon first');
  assert.ok(whole?.kills.every((k) => k.scope?.endsWith('/app-devserver.scope') && (k.scopeKiB ?? 0) > 0 && /most of any scope/.test(k.scopeWhy ?? '')));
  const bad = reapd('simulate', scenarioPath('desktop-scopes'), '--units', 'tabs');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--units: "tabs" is not one of process, scope, whole-scope/);
});
