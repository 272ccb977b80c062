// hold_back's bookkeeping on a stand-in group directory (plain files: what is tested here
// is what reapd writes, keeps and restores). The kernel's side — the group throttled at
// the lowered memory.high instead of OOM-killed, and memory.high back after exit — runs
// in the VM tier (test/vm/cgroup2-domain.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdBack, releaseHoldBack, type HeldBack } from '../../../src/kernel/procfs/hold-back.js';

const MIB = 1 << 20;

interface Fixture {
  group: string;
  state: string;
  high(): string;
  setHigh(v: string): void;
  done(): void;
}

function fixture(max: string, high = 'max'): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'reapd-holdback-'));
  const group = join(root, 'g');
  mkdirSync(group);
  writeFileSync(join(group, 'memory.max'), `${max}\n`);
  writeFileSync(join(group, 'memory.high'), `${high}\n`);
  return {
    group,
    state: join(root, 'state'),
    high: () => readFileSync(join(group, 'memory.high'), 'utf8').trim(),
    setHigh: (v) => writeFileSync(join(group, 'memory.high'), `${v}\n`),
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

function applied(r: HeldBack | string): HeldBack {
  assert.notEqual(typeof r, 'string', String(r));
  return r as HeldBack;
}

test('hold_back lowers memory.high to max − margin, records the owner value, restores it on release', () => {
  const f = fixture(String(200 * MIB));
  try {
    const h = applied(holdBack(f.group, 16 * 1024, f.state));
    assert.equal(f.high(), String(184 * MIB));
    assert.equal(h.original, 'max');
    assert.equal(readdirSync(f.state).length, 1, 'a state file records what was changed');
    assert.match(releaseHoldBack(h, f.state), /restored to max/);
    assert.equal(f.high(), 'max');
    assert.deepEqual(readdirSync(f.state), []);
  } finally {
    f.done();
  }
});

test('after a crash (reapd killed with memory.high lowered) the next start restores the owner value, not its own', () => {
  const f = fixture(String(200 * MIB), String(190 * MIB));
  try {
    applied(holdBack(f.group, 16 * 1024, f.state)); // this run "dies": no release
    assert.equal(f.high(), String(184 * MIB));
    const second = applied(holdBack(f.group, 32 * 1024, f.state));
    assert.equal(second.original, String(190 * MIB), 'the owner value from the state file');
    assert.equal(f.high(), String(168 * MIB));
    releaseHoldBack(second, f.state);
    assert.equal(f.high(), String(190 * MIB));
  } finally {
    f.done();
  }
});

test('a memory.high changed by someone else meanwhile is left as they set it', () => {
  const f = fixture(String(200 * MIB));
  try {
    const h = applied(holdBack(f.group, 16 * 1024, f.state));
    f.setHigh(String(100 * MIB));
    assert.match(releaseHoldBack(h, f.state), /changed to \d+ meanwhile: left as it is/);
    assert.equal(f.high(), String(100 * MIB));
  } finally {
    f.done();
  }
});

test('nothing to hold back: no memory.max, or an owner memory.high already below max − margin', () => {
  const f = fixture('max');
  const g = fixture(String(200 * MIB), String(150 * MIB));
  try {
    assert.match(String(holdBack(f.group, 16 * 1024, f.state)), /has no memory.max/);
    assert.equal(f.high(), 'max');
    assert.match(String(holdBack(g.group, 16 * 1024, g.state)), /already at least/);
    assert.equal(g.high(), String(150 * MIB));
  } finally {
    f.done();
    g.done();
  }
});
