import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { probeCapabilities } from '../../src/kernel/probe.js';
import { parseMountinfo } from '../../src/kernel/parse/mountinfo.js';

function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = (/^(\d+)\.(\d+)/.exec(readFileSync('/proc/sys/kernel/osrelease', 'utf8')) ?? []).slice(1).map(Number);
  return a > major || (a === major && b >= minor);
}

test('probe: pidfds and process_mrelease as the kernel version promises; no fd left open', () => {
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const c = probeCapabilities();
  assert.equal(readdirSync('/proc/self/fd').length, fdsBefore, 'the PSI trigger fds and the pidfd are closed');
  assert.equal(c.pidfd.open, kernelAtLeast(5, 3));
  assert.equal(c.pidfd.processMrelease, kernelAtLeast(5, 15), c.pidfd.detail);
  if (c.pidfd.processMrelease) assert.match(c.pidfd.detail, /EINVAL/, 'a live process is "not dying"');
  if (c.cgroup.v2Root) {
    assert.equal(c.cgroup.v2Kill, kernelAtLeast(5, 14));
    assert.equal(c.cgroup.v2Freeze, kernelAtLeast(5, 2));
  }
});

test('probe: cgroup locations come from mountinfo, not from guesses', () => {
  const c = probeCapabilities();
  const mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  assert.equal(c.cgroup.v2Root, mounts.find((m) => m.fsType === 'cgroup2')?.mountPoint ?? null);
  const v1 = mounts.filter((m) => m.fsType === 'cgroup').map((m) => m.mountPoint);
  if (c.cgroup.v1Memory) assert.ok(v1.includes(c.cgroup.v1Memory));
  if (c.cgroup.v1Freezer) assert.ok(v1.includes(c.cgroup.v1Freezer));
  const json = JSON.parse(JSON.stringify(c)) as unknown;
  assert.deepEqual(json, c, 'plain data: survives JSON unchanged');
});
