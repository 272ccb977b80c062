import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, scenarioFromTable } from '../../src/sim/scenario/parse.js';
import { ScenarioError } from '../../src/sim/scenario/errors.js';
import { curveKiB } from '../../src/sim/curves.js';
import { MiB } from './helpers.js';

const TOML = `
name = "two"
duration = "1m"
tick = "50ms"

[[domain]]
size = "2GiB"
cache = "256MiB"

[domain.params.simple-lmk]
minfree = "32MiB"

[[process]]
name = "app{i}"
count = 3
adj = [900, 1000]
memory = ["10MiB", "20MiB"]

[[event]]
at = "10s"
action = "freeze"
target = "app{i}"
`;

function issuesOf(f: () => unknown): Map<string, string> {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return new Map(e.issues.map((i) => [i.key, i.message]));
  }
  assert.fail('expected a ScenarioError');
}

test('TOML and JSON give the same scenario', () => {
  const fromToml = parseScenario(TOML, 'two.toml', 'two');
  const json = JSON.stringify({
    name: 'two',
    duration: '1m',
    tick: '50ms',
    domain: [{ size: '2GiB', cache: '256MiB', params: { 'simple-lmk': { minfree: '32MiB' } } }],
    process: [{ name: 'app{i}', count: 3, adj: [900, 1000], memory: ['10MiB', '20MiB'] }],
    event: [{ at: '10s', action: 'freeze', target: 'app{i}' }],
  });
  assert.deepEqual(parseScenario(json, 'two.json', 'two'), fromToml);
  assert.equal(fromToml.tickMs, 50);
  assert.equal(fromToml.durationMs, 60_000);
  assert.equal(fromToml.domains[0]?.cacheFloorKiB, 64 * MiB, 'cache_floor defaults to a quarter of cache');
});

test('a group spreads adj evenly, draws sizes from the seed, and an event on the group hits every member', () => {
  const s = parseScenario(TOML, 'two.toml', 'two');
  assert.deepEqual(s.processes.map((p) => p.name), ['app1', 'app2', 'app3']);
  assert.deepEqual(s.processes.map((p) => p.adj), [900, 950, 1000]);
  for (const p of s.processes) {
    const kib = curveKiB(p.anon, 0);
    assert.ok(kib >= 10 * MiB && kib <= 20 * MiB && kib % 4 === 0, `size ${kib} in range, whole pages`);
  }
  assert.deepEqual(s.events.map((e) => e.target), ['app1', 'app2', 'app3']);
  const again = parseScenario(TOML, 'two.toml', 'two');
  assert.deepEqual(again.processes, s.processes, 'same seed, same sizes');
  const reseeded = parseScenario(`seed = 7\n${TOML}`, 'two.toml', 'two');
  assert.notDeepEqual(reseeded.processes.map((p) => curveKiB(p.anon, 0)), s.processes.map((p) => curveKiB(p.anon, 0)));
});

test('every problem is reported at once, each with its key', () => {
  const issues = issuesOf(() =>
    scenarioFromTable(
      {
        tick: '100 parsecs',
        colour: 'blue',
        domain: [{ size: 'lots', swapp: '1GiB', params: { 'simple-lmk': { minfree: 'much' }, lmkd: { levels: '64MiB:900,32MiB:0' } } }],
        process: [
          { name: 'a', memory: { curve: 'leak', from: '10MiB' } },
          { name: 'b', domain: 'nowhere', memory: '1MiB', adj: 2000 },
        ],
        event: [{ at: '1s', action: 'freeze', target: 'c' }, { at: '2s', action: 'explode', target: 'a' }],
      },
      'bad.toml',
      'bad',
    ),
  );
  assert.match(issues.get('duration') ?? '', /required/);
  assert.match(issues.get('tick') ?? '', /duration/);
  assert.equal(issues.get('colour'), 'unknown key');
  assert.match(issues.get('domain[1].size') ?? '', /size/);
  assert.equal(issues.get('domain[1].swapp'), 'unknown key');
  assert.match(issues.get('domain[1].params.simple-lmk.minfree') ?? '', /not a size/);
  assert.match(issues.get('domain[1].params.lmkd.levels') ?? '', /ascend/);
  assert.match(issues.get('process[1].memory.rate') ?? '', /required/);
  assert.match(issues.get('process[2].domain') ?? '', /nowhere/);
  assert.match(issues.get('process[2].adj') ?? '', /-1000 to 1000/);
  assert.match(issues.get('event[1].target') ?? '', /no process is named "c"/);
  assert.match(issues.get('event[2].action') ?? '', /one of/);
});

test('a TOML syntax error names its line', () => {
  const issues = issuesOf(() => parseScenario('duration = "1m"\n[[domain]\nsize = 1', 'x.toml', 'x'));
  assert.match(issues.get('') ?? '', /line 2/);
});

test('"configured" runs need a policy in every domain', () => {
  const issues = issuesOf(() =>
    scenarioFromTable({ duration: '1s', runs: ['configured'], domain: [{ size: '1GiB', policy: 'lmkd' }, { name: 'b', size: '1GiB' }] }, 'x', 'x'),
  );
  assert.match(issues.get('runs') ?? '', /configured/);
});

test('runs default to every policy, with "configured" first when a domain names its policy', () => {
  const plain = scenarioFromTable({ duration: '1s', domain: [{ size: '1GiB' }] }, 'x', 'x');
  assert.deepEqual(plain.runs, ['simple-lmk', 'lowmemorykiller', 'lmkd', 'oom-score']);
  const configured = scenarioFromTable({ duration: '1s', domain: [{ size: '1GiB', policy: 'lmkd' }] }, 'x', 'x');
  assert.deepEqual(configured.runs, ['configured', 'simple-lmk', 'lowmemorykiller', 'lmkd', 'oom-score']);
});

test('memory curves', () => {
  assert.equal(curveKiB({ kind: 'constant', sizeKiB: 100 }, 5000), 100);
  const ramp = { kind: 'ramp', fromKiB: 100, toKiB: 300, atMs: 1000, overMs: 2000 } as const;
  assert.deepEqual([0, 1000, 2000, 3000, 9000].map((t) => curveKiB(ramp, t)), [100, 100, 200, 300, 300]);
  const step = { kind: 'step', fromKiB: 1, toKiB: 2, atMs: 10 } as const;
  assert.deepEqual([9, 10].map((t) => curveKiB(step, t)), [1, 2]);
  const leak = { kind: 'leak', fromKiB: 100, rateKiBps: 10, maxKiB: 150 } as const;
  assert.deepEqual([0, 1000, 5000, 60_000].map((t) => curveKiB(leak, t)), [100, 110, 150, 150]);
  const saw = { kind: 'sawtooth', minKiB: 0, maxKiB: 100, periodMs: 1000 } as const;
  assert.deepEqual([0, 500, 999, 1000, 1500].map((t) => curveKiB(saw, t)), [0, 50, 100, 0, 50]);
  const pts = { kind: 'points', points: [[0, 10], [1000, 20], [3000, 0]] } as const;
  assert.deepEqual([0, 500, 2000, 5000].map((t) => curveKiB(pts, t)), [10, 15, 10, 0]);
});
