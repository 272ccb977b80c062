// contrib/systemd/reapd.service: the settings that keep reapd resident and out of the
// kernel OOM killer's reach are there (issue 20), and systemd itself accepts the unit.
// (systemd-unit.test.ts checks its system call filter against what reapd calls.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';

const UNIT = join(REPO_ROOT, 'contrib', 'systemd', 'reapd.service');

/** [Service] key → value (the last assignment wins, as systemd reads it). */
function serviceKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]' && line.includes('=')) out.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
  }
  return out;
}

function needSystemdAnalyze(): string | undefined {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'systemd-analyze is not installed';
  }
}

test('the unit keeps reapd resident: no swap, memory.min, oom_score_adj -1000', () => {
  const keys = serviceKeys(readFileSync(UNIT, 'utf8'));
  assert.equal(keys.get('MemorySwapMax'), '0');
  assert.match(keys.get('MemoryMin') ?? '', /^[1-9]\d*[KMG]$/);
  assert.equal(keys.get('OOMScoreAdjust'), '-1000');
  assert.match(keys.get('ExecStart') ?? '', /^\S*\/reapd run\b/);
});

test('systemd-analyze verify accepts the unit (ExecStart pointed at this build; the man pages it names are not installed here)', { skip: needSystemdAnalyze() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-unit-'));
  try {
    const unit = join(dir, 'reapd.service');
    writeFileSync(unit, readFileSync(UNIT, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${REAPD_BIN}`));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
