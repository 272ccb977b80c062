// explain's core and formatting, without the process boundary: state carried across
// NDJSON frames on the snapshots' own clock, the human sections, the JSON shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainFrames, UNTIMED_FRAME_GAP_MS, type ExplainSetup } from '../../src/cli/explain-core.js';
import { formatFrame, frameJson, printable } from '../../src/cli/explain-format.js';
import { getPolicy } from '../../src/policy/registry.js';
import { paramsFromText, type ParamText } from '../../src/policy/params.js';
import { NO_RULES } from '../../src/policy/types.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { parseSnapshotText } from '../../src/model/snapshot-io.js';
import { FIXTURES } from '../helpers/paths.js';

/** The fixtures through the project's own v1 reader: they must be valid snapshots. */
function load(name: string): Snapshot[] {
  const { snapshots, errors } = parseSnapshotText(readFileSync(join(FIXTURES, 'snapshots', name), 'utf8'));
  assert.deepEqual(errors, [], `${name} is a valid v1 snapshot file`);
  return snapshots;
}

function setup(policy: string, text: ParamText = {}, extra: Partial<ExplainSetup> = {}): ExplainSetup {
  const p = getPolicy(policy);
  return { policy: p, params: paramsFromText(p.name, text), rules: NO_RULES, source: 'fixture', ...extra };
}

const victimsPerFrame = (s: ExplainSetup, frames: Snapshot[]): number[][] =>
  explainFrames(frames, s).map((r) => r.decision.victims.map((v) => v.pid));

test('the fixtures are valid v1 snapshots: one JSON snapshot or one per NDJSON line', () => {
  assert.equal(load('phone.json').length, 1);
  assert.equal(load('cgroup-batch.json').length, 1);
  assert.equal(load('desktop-trace.ndjson').length, 3);
});

test('lowmemorykiller carries death pending across NDJSON frames on their timeMs', () => {
  const frames = load('desktop-trace.ndjson');
  const reports = explainFrames(frames, setup('lowmemorykiller', { levels: '64MiB:200,128MiB:300' }));
  assert.deepEqual(reports.map((r) => r.decision.victims.map((v) => v.pid)), [[5333], [], [5200]]);
  assert.match(reports[1]?.decision.summary ?? '', /Death pending: Isolated Web Co \(5333\) was killed 400 ms ago/);
  assert.deepEqual(reports.map((r) => r.nowMs), frames.map((f) => f.timeMs));
});

test('lmkd carries its kill timeout across frames', () => {
  const frames = load('desktop-trace.ndjson');
  assert.deepEqual(victimsPerFrame(setup('lmkd', { levels: '64MiB:200,128MiB:300', killTimeout: '2s' }), frames), [[5333], [], [5200]]);
  assert.deepEqual(victimsPerFrame(setup('lmkd', { levels: '64MiB:200,128MiB:300' }), frames).slice(0, 2), [[5333], [5200]]);
});

test('frames without timeMs are far apart: no hold-off carries over', () => {
  const [first] = load('desktop-trace.ndjson');
  const untimed = { ...(first as Snapshot) };
  delete untimed.timeMs;
  const reports = explainFrames([untimed, untimed], setup('lowmemorykiller', { levels: '64MiB:200' }));
  assert.deepEqual(reports.map((r) => r.decision.victims.map((v) => v.pid)), [[5333], [5333]]);
  assert.equal((reports[1]?.nowMs ?? 0) - (reports[0]?.nowMs ?? 0), UNTIMED_FRAME_GAP_MS);
});

test('min_adj leaves lower processes out, as the daemon does', () => {
  const [r] = explainFrames(load('phone.json'), setup('simple-lmk', { minfree: '1GiB' }, { minAdj: 900 }));
  assert.ok(r?.decision.victims.every((v) => v.oomScoreAdj >= 900));
  assert.equal(r?.minAdj?.leftOut, 10, 'six of the sixteen are at adj 900 or more');
  assert.match(formatFrame(r as never, 20), /min_adj 900: 10 processes below it left out/);
});

test('the human form: header, trigger with the level table, candidates, victims, skipped, decision', () => {
  const [r] = explainFrames(load('phone.json'), setup('lowmemorykiller'));
  const text = formatFrame(r as never, 20);
  assert.match(text, /^Policy lowmemorykiller: levels 6\.0 MiB:0, 8\.0 MiB:58, 16\.0 MiB:352, 64\.0 MiB:705, death pending 1000 ms/);
  assert.match(text, /Snapshot fixture at 2025-01-01T00:00:00\.000Z: the whole machine, 16 processes/);
  assert.match(text, /other_free 28\.0 MiB = free 40\.0 MiB - reserve 12\.0 MiB/);
  assert.match(text, /\n\s+4\s+64\.0 MiB\s+705\s+yes\s+yes\s+<- applies/);
  assert.match(text, /\n\s+1\s+2611\s+915\s+65\.0 MiB\s+chrome_sandboxed\s+victim/);
  assert.match(text, /1\. chrome_sandboxed \(pid 2611, adj 915, uid 99001\) frees 65\.0 MiB/);
  assert.match(text, /Skipped: 10 \(adj-below-min 4, kernel-thread 2, adj-unkillable 1, exiting 1, pid-1 1, zombie 1\)/);
  assert.ok(!/\n\s+\d+\s+1\s/.test(text.split('Victims')[0] ?? ''), 'pid 1 is never ranked');
});

test('--top limits the table and says how many more there are', () => {
  const [r] = explainFrames(load('phone.json'), setup('simple-lmk'));
  const text = formatFrame(r as never, 2);
  assert.match(text, /Candidates: 7,[^]*\.\.\. and 5 more \(--top 0 shows all\)/);
});

test('the JSON form: victims in kill order with pid, name, oomScoreAdj, sizeKiB, and what led to them', () => {
  const [r] = explainFrames(load('desktop-trace.ndjson').slice(0, 1), setup('lmkd', { levels: '64MiB:0,2GiB:100' }));
  const json = JSON.parse(JSON.stringify(frameJson(r as never))) as Record<string, unknown>;
  const victims = json.victims as Array<Record<string, unknown>>;
  assert.deepEqual(victims.map((v) => v.pid), (r?.decision.victims ?? []).map((v) => v.pid));
  assert.ok(victims.length >= 2, 'the lmkd loop kills until no level applies');
  for (const v of victims) for (const k of ['pid', 'name', 'oomScoreAdj', 'sizeKiB', 'why']) assert.ok(k in v, k);
  assert.equal(json.policy, 'lmkd');
  assert.equal(json.timeMs, 1735689600000);
  assert.ok(Array.isArray(json.candidates) && Array.isArray(json.skipped));
  assert.deepEqual((json.trigger as { active: boolean }).active, true);
  assert.deepEqual(json.state, { lastKillMs: 1735689600000 });
});

test('names are printed, never interpreted', () => {
  assert.equal(printable('a\nb\x1b[2Jc'), 'a\\x0ab\\x1b[2Jc');
  assert.equal(printable('a) Z (b é'), 'a) Z (b é');
});
