// KillRecords for journal tests.
import type { KillRecord } from '../../src/model/kill-record.js';

export function record(over: Partial<KillRecord> = {}): KillRecord {
  return {
    time: '2025-06-01T12:00:00.000Z',
    pid: 4321,
    name: 'chrome',
    uid: 1000,
    oomScoreAdj: 900,
    sizeKiB: 1048576,
    anonKiB: 1000000,
    policy: 'simple-lmk',
    reason: 'minfree',
    why: 'adj 900 is the highest present',
    killed: true,
    reaped: true,
    reapMs: 15.25,
    exitMs: 18.5,
    dryRun: false,
    domain: 'machine',
    ...over,
  };
}
