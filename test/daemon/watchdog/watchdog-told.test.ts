// A watchdog kill is told like any other: the daemon's watchdog glue (startWatchdog, as
// `reapd run` wires it, with the daemon's real Prometheus metrics as its observer) in a
// child whose main loop stalls while a hog blocks at its v1 memcg's limit. The watchdog
// thread kills the hog; once the loop runs again the record is journalled and counted:
// reapd_kills_total{outcome="killed"} and reapd_watchdog_actions_total move by one. (Before
// the glue told its observer, the kill was journalled but the counters stayed absent: this
// test fails on that code. watchdog.test.ts shows a healthy loop makes the watchdog act never.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcgV1 } from '../../helpers/cgroup.js';
import { spawnHog, waitFor, withTimeout, type Hog } from '../../helpers/hog.js';
import { startJsonChild, type JsonChild } from './json-child.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../../helpers/skip.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());
const BLOCK_MS = 4000;

function startChild(memcg: string): JsonChild {
  return startJsonChild('watchdog-told-child', [memcg, String(BLOCK_MS)]);
}

const sample = (page: string, re: RegExp): number | undefined => {
  const line = page.split('\n').find((l) => re.test(l));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

test('a watchdog kill is journalled and counted in the metrics (reapd_kills_total, reapd_watchdog_actions_total)', { skip, timeout: 30_000 }, async () => {
  const memcg = memcgV1({ limitMiB: 64, oomKillDisable: true });
  let hog: Hog | undefined;
  const child = startChild(memcg.path);
  try {
    await waitFor(() => child.json.some((j) => j.t === 'ready' || j.t === 'error'), 8000, 'the child ready');
    assert.ok(child.json.some((j) => j.t === 'ready'), JSON.stringify(child.json));
    hog = spawnHog({ mib: 96, cgroups: [memcg.path], oomScoreAdj: 500 });
    await waitFor(() => /under_oom 1/.test(memcg.read('memory.oom_control')), 5000, 'the hog to block at the limit');
    child.proc.stdin.write('block\n');
    const exit = await withTimeout(hog.exited, BLOCK_MS + 3000, 'the watchdog to kill the hog');
    assert.equal(exit.signal, 'SIGKILL');
    await waitFor(() => child.json.some((j) => j.t === 'told'), BLOCK_MS + 8000, 'the child told');
    const told = child.json.find((j) => j.t === 'told') as { records: Array<{ pid: number; killed: boolean }>; metrics: string };
    assert.deepEqual(told.records.map((r) => [r.pid, r.killed]), [[hog.pid, true]], 'journalled');
    assert.equal(sample(told.metrics, /^reapd_kills_total\{domain="apps",policy="simple-lmk",reason="[^"]+",outcome="killed"\} /), 1, told.metrics);
    assert.equal(sample(told.metrics, /^reapd_watchdog_actions_total\{domain="apps"\} /), 1, told.metrics);
    assert.equal(sample(told.metrics, /^reapd_kill_event_to_signal_seconds_count/), undefined, 'no event -> SIGKILL time: the watchdog had no trigger event of the daemon');
    child.proc.stdin.write('stop\n');
    assert.equal(await withTimeout(child.exited, 5000, 'child exit'), 0);
  } finally {
    await hog?.kill();
    child.proc.kill('SIGKILL');
    await child.exited;
    await memcg.remove();
  }
});
