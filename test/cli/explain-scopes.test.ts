// `reapd explain --scope cgroup` over a two-frame NDJSON trace (issue 14): the scope
// ranking is printed above the process ranking, growth is measured from frame to frame on
// the snapshots' clock, and the chosen scope changes the victim — without --scope the same
// frames cost a browser process (the test can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REAPD_BIN } from '../helpers/paths.js';

const MIB = 1024;
const ROOT = '/sys/fs/cgroup/unified/apps';

function proc(pid: number, name: string, scope: string, anonMiB: number): Record<string, unknown> {
  return {
    pid, name, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: 1000 + pid, oomScoreAdj: 0,
    rssAnonKiB: anonMiB * MIB, rssFileKiB: 0, rssShmemKiB: 0, swapKiB: 0, cgroupV2: `/apps/${scope}`,
  };
}

/** Browser: three processes of 200 MiB; leak: one process, 40 MiB, then 120 MiB two seconds later. */
function frame(timeMs: number, leakMiB: number): string {
  const memory = {
    totalKiB: 4096 * MIB, freeKiB: 20 * MIB, availableKiB: 30 * MIB, cachedKiB: 40 * MIB, buffersKiB: 0, shmemKiB: 0,
    unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 16 * MIB,
  };
  const processes = [proc(2001, 'tab1', 'browser.scope', 200), proc(2002, 'tab2', 'browser.scope', 200), proc(2003, 'tab3', 'browser.scope', 200),
    proc(3001, 'leaker', 'leak.scope', leakMiB)];
  return JSON.stringify({ version: 1, timeMs, memory, processes });
}

function explain(trace: string, ...args: string[]): string[] {
  const r = spawnSync(process.execPath, [REAPD_BIN, 'explain', '--snapshot', trace, '--policy', 'simple-lmk', '--minfree', '64MiB', ...args], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, EXIT.OK, r.stderr);
  // The last frame's report: frames are separated by the "Policy …" header line.
  const text = r.stdout;
  return text.slice(text.lastIndexOf('Policy simple-lmk')).split('\n');
}

test('explain --scope cgroup: the scope ranking above the process ranking, the leaker chosen', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-scopes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace.ndjson');
  writeFileSync(trace, `${frame(1_735_689_600_000, 40)}\n${frame(1_735_689_602_000, 120)}\n`);

  const lines = explain(trace, '--scope', 'cgroup', '--scope-root', ROOT);
  const scopes = lines.findIndex((l) => l.startsWith('Scopes: 2, ranked grown most'));
  const scopeHeader = lines.findIndex((l) => /^\s*RANK\s+SCOPE\s+TIER/.test(l));
  const inside = lines.findIndex((l) => l.startsWith('Processes of /apps/leak.scope'));
  const processHeader = lines.findIndex((l) => /^\s*RANK\s+PID\s+ADJ/.test(l));
  assert.ok(scopes >= 0 && scopeHeader > scopes && inside > scopeHeader && processHeader > inside, lines.join('\n'));
  assert.match(lines[scopeHeader + 1] ?? '', /^\s*1\s+\/apps\/leak\.scope\s+normal\s+1\s+120\.0 MiB\s+\+80\.0 MiB\s+chosen: grew 80\.0 MiB in 2\.0 s/, lines.join('\n'));
  assert.match(lines[scopeHeader + 2] ?? '', /^\s*2\s+\/apps\/browser\.scope\s+normal\s+3\s+600\.0 MiB\s+\+0 KiB\s+ranked below the chosen scope/, lines.join('\n'));
  assert.ok(lines.some((l) => /^\s+1\. leaker \(pid 3001/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /scope \/apps\/leak\.scope \(120\.0 MiB\): grew 80\.0 MiB/.test(l)), lines.join('\n'));

  const without = explain(trace);
  assert.equal(without.findIndex((l) => l.startsWith('Scopes:')), -1);
  assert.ok(without.some((l) => /^\s+1\. tab\d \(pid 200\d/.test(l)), `without scopes a 200 MiB tab goes first:\n${without.join('\n')}`);
});
