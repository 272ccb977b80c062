import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levelOf, stallPerSecond, StallWindow, type MemoryFacts } from '../../src/sim/kernel/pressure.js';
import { exitDelayMs } from '../../src/sim/kernel/exit.js';
import { memoryState } from '../../src/sim/kernel/ports.js';
import { domainOf, GiB, MiB, scenario } from './helpers.js';

const NO_REAP = { reap: false, thaw: true, boost: true };

function oneProcess(memory: unknown, domain: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return scenario({
    domain: [{ size: '1GiB', cache: '400MiB', cache_floor: '100MiB', system_processes: false, ...domain }],
    process: [{ name: 'p', memory, ...extra }],
  });
}

test('page cache shrinks before anonymous memory; stall starts only below the cache floor', () => {
  const { domain, tick } = domainOf(oneProcess({ curve: 'ramp', from: '100MiB', to: '950MiB', over: '7s' }));
  tick(0);
  assert.equal(domain.cacheKiB, 400 * MiB, 'cache fills up to what the workload wants');
  let sawShrinkWithoutStall = false;
  let sawStall = false;
  for (let t = 100; t <= 7000; t += 100) {
    tick(t);
    const p = domain.present[0];
    assert.ok(p);
    // No swap: anon is never taken away; the cache gives way, so the process gets its curve.
    assert.equal(p.blocked, false);
    assert.equal(p.anonKiB, p.wantedAnonKiB(t));
    if (domain.cacheKiB < 400 * MiB && domain.cacheKiB >= 100 * MiB) {
      sawShrinkWithoutStall = true;
      assert.equal(domain.stall, 0, `no stall while the cache is above its floor (t=${t})`);
    }
    if (domain.cacheKiB < 100 * MiB) {
      sawStall = true;
      assert.ok(domain.stall > 0, `stall once the cache is below its floor (t=${t})`);
    }
  }
  assert.ok(sawShrinkWithoutStall && sawStall);
});

test('allocations block when nothing is left: critical level, full stall, then the kernel OOM killer', () => {
  const s = oneProcess({ curve: 'leak', from: '100MiB', rate: '200MiB/s' }, { oom_after: '1s' });
  const { domain, events, tick } = domainOf(s);
  tick(6000);
  assert.equal(events.kernelKills.length, 1, 'one kernel OOM kill');
  const kill = events.kernelKills[0];
  assert.ok(kill && kill.effects.reaped, "the kernel's oom_reaper frees the victim's anon");
  // Blocked from the first refused tick: at least oom_after of full stall before the kill.
  assert.ok(domain.window.totalMs >= 1000, `stall total ${domain.window.totalMs}`);
});

test('kernel_oom = false: blocked allocations stay blocked and nobody is killed', () => {
  const s = oneProcess({ curve: 'leak', from: '100MiB', rate: '200MiB/s' }, { kernel_oom: false });
  const { domain, events, tick } = domainOf(s);
  tick(8000);
  assert.equal(events.kernelKills.length, 0);
  assert.equal(domain.blocked, true);
  assert.equal(domain.level, 'critical');
  assert.equal(domain.stall, 1000);
});

test('with swap, the coldest (highest adj) anon goes to swap at the swap rate to keep the cache working set', () => {
  const s = scenario({
    domain: [{ size: '1GiB', swap: '512MiB', swap_rate: '50MiB/s', cache: '300MiB', cache_floor: '200MiB', system_processes: false }],
    process: [
      { name: 'cold', adj: 900, memory: '300MiB' },
      { name: 'grower', adj: 0, memory: { curve: 'ramp', from: '100MiB', to: '600MiB', at: '1s', over: '5s' } },
    ],
  });
  const { domain, tick } = domainOf(s);
  tick(8000);
  const [cold, grower] = domain.present;
  assert.ok(cold && grower);
  assert.ok(cold.swapKiB > 0, 'the cold process was swapped');
  assert.equal(grower.swapKiB, 0, 'the growing foreground process was not');
  assert.equal(domain.swapUsedKiB, cold.swapKiB);
  // 50 MiB/s for at most ~7 s of pressure.
  assert.ok(cold.swapKiB <= 50 * MiB * 7.1, `swapped ${cold.swapKiB} KiB`);
});

test('a kill frees memory only when the victim exits, unless it is reaped', () => {
  for (const reap of [false, true]) {
    const s = oneProcess('300MiB', {}, { file: '20MiB' });
    const { domain, events, tick } = domainOf(s);
    tick(1000);
    const p = domain.present[0];
    assert.ok(p);
    const before = domain.residentKiB;
    const effects = domain.kill(p, 1000, { ...NO_REAP, reap });
    assert.equal(effects.reaped, reap);
    assert.equal(effects.reapedKiB, reap ? 300 * MiB : 0);
    assert.equal(domain.residentKiB, before - effects.reapedKiB, 'reaping frees anon at once; nothing else moves');
    assert.equal(p.life, 'dying');
    tick(3000);
    assert.equal(p.life, 'exited');
    assert.equal(events.exits.length, 1);
    assert.equal(events.exits[0]?.kib, reap ? 20 * MiB : 320 * MiB, 'exit frees what reaping left');
  }
});

test('a frozen victim that may not be thawed never exits; reaping still frees its anon; a thaw lets it exit', () => {
  const s = oneProcess('300MiB', {}, { frozen: true });
  const { domain, events, tick } = domainOf(s);
  tick(500);
  const p = domain.present[0];
  assert.ok(p && p.frozen);
  assert.equal(p.anonKiB, 300 * MiB, 'a process that starts frozen holds its memory');
  const effects = domain.kill(p, 500, { reap: true, thaw: false, boost: true });
  assert.equal(effects.reapedKiB, 300 * MiB);
  tick(8000);
  assert.equal(p.life, 'dying', 'still frozen, still dying');
  assert.equal(p.exitAtMs, null);
  p.frozen = false;
  tick(9000);
  assert.equal(p.life, 'exited');
  assert.equal(events.exits.length, 1);
});

test('the killer thaws frozen victims by default (seed 000)', () => {
  const { domain, tick } = domainOf(oneProcess('300MiB', {}, { frozen: true }));
  tick(100);
  const p = domain.present[0];
  assert.ok(p);
  const effects = domain.kill(p, 100, NO_REAP);
  assert.ok(effects.notes.includes('thawed'));
  tick(3000);
  assert.equal(p.life, 'exited');
});

test('exit delay grows with CPU contention, boosting removes it, CPU starvation multiplies it', () => {
  const s = scenario({
    domain: [{ size: '4GiB', cpus: 2, system_processes: false, starved_factor: 10 }],
    process: [{ name: 'victim', memory: '1GiB', cpu: 0.1 }, { name: 'busy', memory: '10MiB', cpu: 5.9 }],
  });
  const { domain, tick } = domainOf(s);
  tick(0);
  const p = domain.present[0];
  assert.ok(p);
  const spec = s.domains[0];
  assert.ok(spec);
  p.boosted = false;
  const contended = exitDelayMs(p, spec, 6);
  const idle = exitDelayMs(p, spec, 1);
  assert.equal(contended, idle * 3, 'demand 6 on 2 CPUs: three times slower');
  p.boosted = true;
  assert.equal(exitDelayMs(p, spec, 6), idle, 'a real-time victim does not queue');
  p.cpuStarved = true;
  assert.equal(exitDelayMs(p, spec, 6), contended * 10, 'boosting does not help a starved victim');
  assert.ok(idle >= 20 + 30, 'base 20 ms + 30 ms per GiB (kernel-interfaces §3.4)');
});

test('a victim in uninterruptible sleep exits only after the sleep ends', () => {
  const { domain, tick } = domainOf(oneProcess('200MiB'));
  tick(100);
  const p = domain.present[0];
  assert.ok(p);
  p.dstateUntilMs = 5000;
  domain.kill(p, 100, NO_REAP);
  tick(4900);
  assert.equal(p.life, 'dying');
  tick(5500);
  assert.equal(p.life, 'exited');
  assert.ok((p.exitedAtMs ?? 0) >= 5000);
});

const facts = (f: Partial<MemoryFacts>): MemoryFacts => ({
  cacheKiB: 400 * MiB,
  cacheWantKiB: 400 * MiB,
  cacheFloorKiB: 100 * MiB,
  freeKiB: GiB,
  reserveKiB: 8 * MiB,
  blocked: false,
  swappedKiB: 0,
  swapBudgetKiB: 10 * MiB,
  ...f,
});

test('vmpressure-like levels follow the cache and blocked allocations', () => {
  assert.equal(levelOf(facts({})), 'none');
  assert.equal(levelOf(facts({ cacheKiB: 300 * MiB })), 'low');
  assert.equal(levelOf(facts({ cacheKiB: 80 * MiB })), 'medium');
  assert.equal(levelOf(facts({ swappedKiB: MiB })), 'medium');
  assert.equal(levelOf(facts({ cacheKiB: 40 * MiB })), 'critical');
  assert.equal(levelOf(facts({ blocked: true })), 'critical');
});

test('the PSI-like stall rises as the cache falls below its floor and is full when blocked', () => {
  assert.equal(stallPerSecond(facts({})), 0);
  const a = stallPerSecond(facts({ cacheKiB: 80 * MiB }));
  const b = stallPerSecond(facts({ cacheKiB: 20 * MiB }));
  assert.ok(a > 0 && b > a && b < 1000);
  assert.equal(stallPerSecond(facts({ cacheKiB: 0 })), 900);
  assert.equal(stallPerSecond(facts({ blocked: true })), 1000);
  assert.ok(stallPerSecond(facts({ swappedKiB: 10 * MiB })) > 0);
});

test('the stall window sums the last window of ticks, like a PSI trigger', () => {
  const w = new StallWindow(10);
  for (let i = 0; i < 10; i++) w.push(100, 100);
  assert.equal(w.windowMs, 100, '100 ms/s for 1 s');
  for (let i = 0; i < 5; i++) w.push(0, 100);
  assert.equal(w.windowMs, 50);
  assert.equal(w.totalMs, 100);
});

test('the snapshot\'s psiFullAvg10 (lmkd\'s stall_limit_critical) is the stall\'s mean over the last 10 s', () => {
  const s = oneProcess({ curve: 'leak', from: '100MiB', rate: '2GiB/s' }, { kernel_oom: false });
  const { domain, tick } = domainOf(s);
  tick(0);
  assert.equal(memoryState(domain).psiFullAvg10, 0, 'no stall yet');
  for (let t = 100; t <= 12_000; t += 100) tick(t);
  assert.equal(domain.stall, 1000, 'blocked: full stall');
  assert.equal(memoryState(domain).psiFullAvg10, 100, 'ten seconds of full stall');
});
