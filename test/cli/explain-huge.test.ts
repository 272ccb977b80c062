// `reapd explain` on inputs a hostile or unlucky user can hand it (issue 11 item 8): a
// 300,000-process snapshot with `--top 0` (its table once overflowed the stack through
// Math.max(...rows) and push(...lines): "Maximum call stack size exceeded", exit 1), and
// deeply nested JSON (100,000 '[' once overflowed the stack quoting it in the error).
// Each must end with the documented exit code (docs/cli.md): 0 for the big snapshot, 6
// (INPUT) with one line for the nested ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REAPD_BIN } from '../helpers/paths.js';

const PROCESSES = 300_000;

/** A v1 snapshot of `n` processes, written in pieces (the test itself stays small). */
function writeBigSnapshot(path: string, n: number): void {
  const fd = openSync(path, 'w');
  try {
    const memory = { totalKiB: 25165824, freeKiB: 20000, availableKiB: 30000, cachedKiB: 921600, buffersKiB: 10240, shmemKiB: 40960, unevictableKiB: 0, swapCachedKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, reserveKiB: 102400 };
    writeSync(fd, `{"version":1,"timeMs":1735689700000,"memory":${JSON.stringify(memory)},"processes":[`);
    for (let i = 0; i < n; i += 10_000) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(n, i + 10_000); j++) {
        chunk.push(JSON.stringify({ pid: 1000 + j, name: `w${j % 1000}`, state: 'S', kernelThread: false, exiting: false, uid: 1000, startTime: j, oomScoreAdj: j % 1001, rssAnonKiB: 1024 + (j % 5000), rssFileKiB: 64, rssShmemKiB: 0, swapKiB: 0 }));
      }
      writeSync(fd, `${i > 0 ? ',' : ''}${chunk.join(',')}`);
    }
    writeSync(fd, ']}\n');
  } finally {
    closeSync(fd);
  }
}

function explainTo(outPath: string, ...args: string[]): { status: number | null; stderr: string } {
  const out = openSync(outPath, 'w');
  try {
    // stdout to a file: tens of MB, not a pipe buffer in this process.
    const r = spawnSync(process.execPath, [REAPD_BIN, 'explain', ...args], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stderr: r.stderr };
  } finally {
    closeSync(out);
  }
}

test('explain --top 0 on 300,000 processes lists every one and exits 0', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-huge-'));
  try {
    const snapshot = join(dir, 'big.json');
    writeBigSnapshot(snapshot, PROCESSES);
    const out = join(dir, 'out.txt');
    for (const args of [['--policy', 'oom-score'], ['--policy', 'lmkd', '--levels', '4MiB:0,8MiB:500']]) {
      const r = explainTo(out, '--snapshot', snapshot, '--top', '0', ...args);
      assert.equal(r.status, EXIT.OK, `${args.join(' ')}: ${r.stderr}`);
      const text = readFileSync(out, 'utf8');
      assert.match(text, new RegExp(`^\\s+${PROCESSES}\\s+\\d+`, 'm'), 'the last rank is listed');
      assert.doesNotMatch(text, /more \(--top 0 shows all\)/);
      assert.match(text, /^Decision: /m);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deeply nested JSON as a snapshot: exit 6 (INPUT) with one line, no stack overflow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-explain-nested-'));
  try {
    const depth = 100_000;
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const cases: Array<[string, string, RegExp]> = [
      ['arrays.json', `${arrays}\n`, /snapshot: expected a JSON object, got \[\[…\]\]/],
      ['fields.json', `{"version":1,"timeMs":1,"memory":${arrays},"processes":${objects}}\n`, /memory: expected an object, got \[\[…\]\][\s\S]*processes: expected an array, got \{"a":\{…\}\}/],
      ['objects.ndjson', `${objects}\n${objects}\n`, /version: no version field/],
      ['unclosed.json', `${'['.repeat(depth)}\n`, /invalid JSON/],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const r = explainTo(join(dir, 'out.txt'), '--snapshot', path);
      assert.equal(r.status, EXIT.INPUT, `${name}: ${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.doesNotMatch(r.stderr, /call stack|\n\s+at /, `${name}: no stack overflow, no stack trace`);
      assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), '', 'nothing on stdout');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
