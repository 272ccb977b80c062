// docs/simulator.md documents every scenario key, and every documented key parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { CURVE_KEYS, CURVES, DOMAIN_KEYS, EVENT_ACTIONS, EVENT_KEYS, MATCHER_KEYS, PARAM_TABLE_KEYS, PROCESS_KEYS, SCOPE_KEYS, TOP_KEYS, UNIT_RUNS } from '../../src/sim/scenario/keys.js';
import { scenarioFromTable } from '../../src/sim/scenario/parse.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'simulator.md'), 'utf8');

test('docs/simulator.md names every scenario key, curve and event action', () => {
  const all = [...TOP_KEYS, ...DOMAIN_KEYS, ...PARAM_TABLE_KEYS, ...MATCHER_KEYS, ...PROCESS_KEYS, ...CURVE_KEYS, ...CURVES, ...EVENT_KEYS, ...EVENT_ACTIONS, ...SCOPE_KEYS, ...UNIT_RUNS];
  const missing = [...new Set(all)].filter((k) => !doc.includes(`\`${k}\``));
  assert.deepEqual(missing, []);
});

test('a scenario using every documented key parses', () => {
  const domain = {
    name: 'm', kind: 'machine', path: '/sim/m', size: '4GiB', swap: '1GiB', swap_rate: '100MiB/s', zram_ratio: 3, reclaim_lag: true, reserve: '32MiB', kernel: '256MiB',
    cache: '512MiB', cache_floor: '128MiB', cpus: 4, system_processes: true, policy: 'simple-lmk',
    params: {
      'simple-lmk': { minfree: '32MiB', reclaim_timeout: '300ms' },
      lowmemorykiller: { levels: '32MiB:0,64MiB:900', death_pending: '1s' },
      lmkd: { levels: [{ minfree: '32MiB', adj: 0 }], kill_timeout: '100ms', pick: 'lru' },
      'oom-score': { mem_available: 5, swap_free: 5 },
    },
    protect: [{ name: '^sshd$', cmdline: 'sshd', uid: 0, cgroup: '/system.slice' }], prefer: [{ name: 'tab' }], avoid: [{ uid: 1000 }],
    trigger: 'psi', psi_stall: '100ms', psi_window: '2s', reap: true, thaw: false, boost: true, reclaim_timeout: '1s',
    exit_base: '10ms', exit_per_gib: '40ms', starved_factor: 5, kernel_oom: true, oom_after: '1s',
    scope: 'cgroup', scope_root: '/sys/fs/cgroup/app.slice', kill_unit: 'cgroup', scope_rank: 'size', scope_window: '5s',
    scope_protect: ['/app.slice/session*'], scope_avoid: ['/app.slice/app-code.scope'], scope_prefer: ['/app.slice/**'],
  };
  const curves = [
    { curve: 'constant', size: '10MiB' },
    { curve: 'ramp', from: '10MiB', to: '20MiB', at: '1s', over: '2s' },
    { curve: 'step', from: '10MiB', to: '20MiB', at: '1s' },
    { curve: 'leak', from: '10MiB', rate: '1MiB/s', max: '50MiB' },
    { curve: 'sawtooth', min: '10MiB', max: '20MiB', period: '5s' },
    { curve: 'points', points: [['0s', '10MiB'], ['1s', '20MiB']] },
  ];
  const process = curves.map((memory, i) => ({
    name: `p${i}-{i}`, count: 2, domain: 'm', uid: 1000, adj: [0, 100], start: ['0s', '1s'], stop: '9s', memory,
    file: '1MiB', shmem: '1MiB', cpu: 0.1, frozen: false, cpu_starved: false, shared_mm: false, kernel_thread: false, scope: `app-${i}.scope/sub`,
  }));
  const scope = [{ name: 'app-0.scope', domain: 'm', oomd_avoid: true, oomd_omit: false, memory_current: false }];
  const event = EVENT_ACTIONS.map((action, i) => ({ at: `${i}s`, action, target: 'p0-1', ...(action === 'adj' ? { adj: 500 } : {}), ...(action === 'dstate' ? { for: '1s' } : {}) }));
  const s = scenarioFromTable(
    { name: 'all', description: 'every key', tick: '100ms', duration: '10s', epoch: '2024-06-01T00:00:00Z', seed: 3, runs: ['configured', 'lmkd'], compare_no_reap: true, units: [...UNIT_RUNS], domain: [domain], scope, process, event },
    'all.toml',
    'all',
  );
  assert.equal(s.processes.length, 12);
  assert.equal(s.events.length, EVENT_ACTIONS.length);
  assert.equal(s.domains[0]?.killer.thaw, false);
  assert.equal(s.domains[0]?.zramRatio, 3);
  assert.equal(s.domains[0]?.reclaimLag, true);
  assert.equal(s.epochMs, Date.parse('2024-06-01T00:00:00Z'));
  assert.deepEqual(s.units, UNIT_RUNS);
  assert.equal(s.domains[0]?.scopes.killUnit, 'cgroup');
  assert.deepEqual(s.scopes[0], { name: 'app-0.scope', domain: 'm', oomdAvoid: true, oomdOmit: false, memoryCurrent: false });
  assert.equal(s.processes[0]?.scope, 'app-0.scope/sub');
});
