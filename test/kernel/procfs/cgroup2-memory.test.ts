// readCgroupMemory on a cgroup2 memory group's files (a stand-in directory holding the
// texts the 6.12 kernel prints; the real files are read in the VM tier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupMemory } from '../../../src/kernel/procfs/cgroup-domain.js';

function group(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-cg2mem-'));
  for (const [f, text] of Object.entries({ 'cgroup.procs': '', 'memory.stat': 'anon 1000\nfile 8388608\n', ...files })) writeFileSync(join(dir, f), text);
  return dir;
}

test('cgroup2: memory.high below memory.max is the limit the headroom counts from; swap current and max are read', () => {
  const dir = group({
    'memory.current': '150994944\n', 'memory.max': '209715200\n', 'memory.high': '192937984\n',
    'memory.swap.current': '4194304\n', 'memory.swap.max': '16777216\n',
  });
  try {
    assert.deepEqual(readCgroupMemory(dir, 'v2'), {
      path: dir, usageKiB: 147456, limitKiB: 188416, maxKiB: 204800, fileKiB: 8192, swapKiB: 4096, swapLimitKiB: 16384,
    });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('cgroup2: memory.high "max" leaves memory.max as the limit; no swap files (swapaccount=0) means no swap fields', () => {
  const dir = group({ 'memory.current': '1048576\n', 'memory.max': 'max\n', 'memory.high': 'max\n' });
  try {
    assert.deepEqual(readCgroupMemory(dir, 'v2'), { path: dir, usageKiB: 1024, limitKiB: null, fileKiB: 8192 });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('cgroup2: memory.high alone (memory.max "max") becomes the limit', () => {
  const dir = group({ 'memory.current': '1048576\n', 'memory.max': 'max\n', 'memory.high': '104857600\n', 'memory.swap.max': 'max\n', 'memory.swap.current': '0\n' });
  try {
    assert.deepEqual(readCgroupMemory(dir, 'v2'), { path: dir, usageKiB: 1024, limitKiB: 102400, maxKiB: null, fileKiB: 8192, swapKiB: 0, swapLimitKiB: null });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
