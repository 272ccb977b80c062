// Issue 14's scope check on a modern host: the check (guest side: test/vm/guest/scope-scenario.ts)
// and its assertions, run inside test/vm/cgroup2-domain.test.ts's no-swap boot so it costs no
// boot of its own (the guest script takes ~60 s under TCG: one reapd start, three cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJson, type VmBoot, type VmCheck } from './harness.js';

export const SCOPES_CHECK: VmCheck = { name: 'scopes', script: 'node dist/test/vm/guest/scope-scenario.js', timeoutS: 400 };

const MIB = 1024;
const BROWSER_MIB = 120;
const TMPFS_MIB = 32;

interface Kill {
  pid: number;
  sizeKiB: number;
  scope?: string;
  scopeKiB?: number;
  scopeWhy?: string;
  killed: boolean;
  reaped: boolean;
  notes?: string[];
}

interface Case {
  kills: Kill[];
  decisionScopes: Array<{ path: string; sizeKiB: number; growthKiB: number | null }> | null;
  browserCurrentKiB: number;
  pids: { browser: number[]; leak: number[] };
  alive: { browser: boolean[]; leak: boolean[] };
  leakFreeze: string;
  oomKill: number;
}

type Outcome = Record<'off' | 'scope' | 'whole', Case> & { reapdExit: number };

export function assertScopes(get: () => VmBoot): void {
  const outcome = (): Outcome => checkJson<Outcome>(get(), 'scopes');

  test('scopes, without scope keys: simple-lmk takes a 120 MiB browser process, the leaker lives on (the check can fail)', () => {
    const c = outcome().off;
    const why = JSON.stringify(c);
    assert.ok(c.kills.length > 0 && c.kills.every((k) => c.pids.browser.includes(k.pid)), why);
    assert.deepEqual(c.alive.leak, [true], why);
    assert.equal(c.oomKill, 0, why);
  });

  test('scope = "cgroup": the leaker dies smaller than each browser process, sized by memory.current; every browser process survives', () => {
    const c = outcome().scope;
    const why = JSON.stringify(c);
    assert.deepEqual(c.kills.map((k) => k.pid), c.pids.leak, why);
    const k = c.kills[0] as Kill;
    assert.ok(k.sizeKiB < BROWSER_MIB * MIB, why);
    assert.match(k.scope ?? '', /\/leak\.scope$/, why);
    assert.match(k.scopeWhy ?? '', /the most of any scope/, why);
    assert.deepEqual(c.alive.browser, [true, true, true, true, true], why);
    // The browser scope's size is its memory.current — the 32 MiB of tmpfs no process maps
    // included — not the sum of its processes' sizes (~607 MiB).
    const browser = c.decisionScopes?.find((s) => s.path.endsWith('/browser.scope'));
    assert.ok(browser, why);
    assert.ok(Math.abs(browser.sizeKiB - c.browserCurrentKiB) <= 2 * MIB, why);
    assert.ok(browser.sizeKiB >= (5 * BROWSER_MIB + TMPFS_MIB) * MIB, why);
    assert.equal(c.oomKill, 0, why);
  });

  test('kill_unit = "cgroup": every member of the leak scope dies through cgroup.kill, each reaped; no browser process is touched', () => {
    const o = outcome();
    const c = o.whole;
    const why = JSON.stringify(c);
    assert.deepEqual(c.kills.map((k) => k.pid).sort(), [...c.pids.leak].sort(), why);
    assert.equal(c.pids.leak.length, 3, why);
    for (const k of c.kills) {
      assert.equal(k.killed, true, why);
      assert.equal(k.reaped, true, `pid ${k.pid} reaped by process_mrelease: ${why}`);
      assert.ok((k.notes ?? []).some((n) => /froze, then cgroup\.kill/.test(n)), why);
    }
    assert.deepEqual(c.alive.leak, [false, false, false], why);
    assert.deepEqual(c.alive.browser, [true, true, true, true, true], why);
    assert.equal(c.leakFreeze, '0', 'the scope is thawed afterwards');
    assert.equal(c.oomKill, 0, why);
    assert.equal(o.reapdExit, 0);
  });
}
