// lmkd's polls after a PSI event (src/daemon/psi-poll.ts) in a live domain, on mocked
// timers and a fake clock: a poll sees what the next kernel event would only have shown a
// window later, and the polls end with the window.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';
import type { DomainConfig } from '../../src/config/types.js';
import { LiveDomain } from '../../src/daemon/live-domain.js';
import type { FdPoller } from '../../src/kernel/fd-poller.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { CapturedLog, FakeClock, FakeKiller, FakeSource, FakeTrigger, MemoryJournal, memory, proc, settle, simpleKill } from './fakes.js';

const MiB = 1024;
const watermarks = { minKiB: 80 * MiB, lowKiB: 100 * MiB, highKiB: 120 * MiB };

function setup(toml: string) {
  const r = checkConfigText(toml, 'd.toml', {});
  assert.deepEqual(r.issues, []);
  const cfg = r.config?.domains[0] as DomainConfig;
  const clock = new FakeClock();
  const log = new CapturedLog();
  const killer = new FakeKiller(clock);
  // Free memory above the high watermark: at the first event no reason holds.
  const source = new FakeSource({ version: 1, memory: memory({ freeKiB: 150 * MiB, watermarks }), processes: [proc(10, 0, 100), proc(11, 0, 300)] });
  const triggers: FakeTrigger[] = [];
  const domain = new LiveDomain(cfg, {
    logger: log.logger, clock, killer, journal: new MemoryJournal(), poller: {} as FdPoller, selfPid: 1, psiAvailable: true, kind: 'machine', source,
    formatKill: simpleKill,
    makeTrigger: (s: PlannedSource) => {
      const t = new FakeTrigger(s);
      triggers.push(t);
      return t;
    },
  });
  return { clock, log, killer, source, triggers, domain };
}

/** Advance the fake clock and the mocked timers together, letting the reclaims run. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 50) {
    clock.t += 50;
    mock.timers.tick(50);
    await settle();
  }
}

const LMKD_PSI = '[[domain]]\npolicy = "lmkd"\nmode = "psi"\nperceptible_adj = -1\nlowmem_min_oom_score = 0';

test('lmkd psi: memory that falls below the low watermark after a PSI event is acted on at a poll within the window, not at the next event', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const { clock, log, killer, source, triggers, domain } = setup(LMKD_PSI);
  try {
    domain.start();
    triggers[0]?.fire('medium', clock.t);
    await settle();
    assert.equal(killer.batches.length, 0, 'no reason at the event: free is above the high watermark');
    source.snapshot = { ...source.snapshot, memory: memory({ freeKiB: 90 * MiB, watermarks }) };
    await advance(clock, 100);
    assert.equal(killer.batches.length, 1, 'the first poll, 100 ms after the event, found free memory below the low watermark and killed');
    assert.deepEqual(killer.batches[0]?.victims.map((v) => v.pid), [11], 'the heaviest');
    const d = log.events('decision').find((e) => (e.victims as unknown[]).length > 0);
    assert.equal((d?.trigger as { level: string }).level, 'psi-poll');
    // The victim's memory is back: the rest of the window's polls find no reason.
    source.snapshot = { ...source.snapshot, memory: memory({ freeKiB: 150 * MiB, watermarks }), processes: [proc(10, 0, 100)] };
    await advance(clock, 1000);
    assert.equal(killer.batches.length, 1, 'one kill');
  } finally {
    await domain.stop(10);
    mock.timers.reset();
  }
});

test('the polls end with the PSI window, and a domain whose policy does not ask for them never polls', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const lmkd = setup(LMKD_PSI);
  const simple = setup('[[domain]]\npolicy = "simple-lmk"\nminfree = "64MiB"');
  try {
    for (const s of [lmkd, simple]) {
      s.domain.start();
      s.triggers[0]?.fire('medium', s.clock.t);
      await settle();
    }
    const afterEvent = [lmkd.source.scans, simple.source.scans];
    // Both clocks move together (one mocked timer queue): 2 s, twice lmkd's window.
    for (let t = 0; t < 2000; t += 50) {
      lmkd.clock.t += 50;
      simple.clock.t += 50;
      mock.timers.tick(50);
      await settle();
    }
    const polls = lmkd.source.scans - (afterEvent[0] ?? 0);
    assert.ok(polls >= 8 && polls <= 10, `lmkd polled every 100 ms for its 1 s window: ${polls} polls`);
    assert.equal(simple.source.scans, afterEvent[1], 'simple-lmk: no polls');
    assert.ok(log(lmkd).every((e) => e.level === 'debug'), 'the polls\' empty decisions log at debug');
  } finally {
    await lmkd.domain.stop(10);
    await simple.domain.stop(10);
    mock.timers.reset();
  }
});

function log(s: ReturnType<typeof setup>) {
  return s.log.events('decision').filter((e) => (e.trigger as { level: string }).level === 'psi-poll');
}
