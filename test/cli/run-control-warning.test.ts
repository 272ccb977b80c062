// Warnings on the control socket, end to end: a real `reapd run` with the warning stage
// and the control socket, a v1 memcg squeezed until two victims die, and two clients. The
// reapd-aware one registers the victims (LMK_PROCS_PRIO, app uids) and subscribes to kills
// and to reapd's event 16: it hears REAPD_WARNING for the first victim, with the uid it
// registered, before that victim's LMK_PROCKILL. The lmkd client subscribes to kills only,
// as lmkd's clients do: it hears both kills and not one warning datagram.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmkdClient, type WarningEvent } from '../../src/control/client.js';
import { firstReason, needCc, needCgroupV1, needRoot } from '../helpers/skip.js';
import { waitFor } from '../helpers/hog.js';
import { startKillScenario } from './kill-scenario.js';

const skip = firstReason(needRoot(), needCgroupV1('memory'), needCc());

test('control socket: a subscribed client gets REAPD_WARNING before the kill; an lmkd client gets none', { skip, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-ctlwarn-'));
  const socket = join(dir, 'lmkd.sock');
  const s = await startKillScenario({
    name: 'ctlwarn', growStepMs: 150, socket,
    domainLines: ['warn_headroom = "100MiB"', 'warn_interval = "100ms"', 'warn_every = "60s"'],
  });
  const clients: LmkdClient[] = [];
  try {
    await s.reapd.waitForEvent('control.listening', 10_000);
    const aware = await LmkdClient.connect(socket);
    const lmkd = await LmkdClient.connect(socket);
    clients.push(aware, lmkd);
    const heard: Array<{ kind: 'warning'; w: WarningEvent } | { kind: 'kill'; pid: number; uid: number }> = [];
    aware.onWarning((w) => heard.push({ kind: 'warning', w }));
    aware.onKill((k) => heard.push({ kind: 'kill', ...k }));
    const lmkdKills: number[] = [];
    const lmkdWarnings: WarningEvent[] = [];
    lmkd.onKill((k) => lmkdKills.push(k.pid));
    lmkd.onWarning((w) => lmkdWarnings.push(w));
    await aware.subscribe('kill');
    await aware.subscribe('warning');
    await lmkd.subscribe('kill');
    const uidOf = new Map(s.victims.map((v, i) => [v.pid, 10_001 + i]));
    const adjOf = new Map(s.victims.map((v, i) => [v.pid, [500, 900][i] as number]));
    await aware.procsPrio(s.victims.map((v) => ({ pid: v.pid, uid: uidOf.get(v.pid) as number, adj: adjOf.get(v.pid) as number })));
    await aware.getKillCount();

    await s.squeeze();
    const killed = s.kills().map((k) => Number(k.pid));
    await waitFor(() => heard.filter((h) => h.kind === 'kill').length === 2 && lmkdKills.length === 2, 10_000, 'both clients heard both kills');
    await lmkd.getKillCount(); // a barrier: everything the server sent lmkd before this reply has arrived

    const logged = s.reapd.events('warning', 'apps') as unknown as Array<{ next: Array<{ pid: number }> }>;
    assert.equal(logged.length, 1, s.reapd.describe());
    const warnings = heard.flatMap((h) => (h.kind === 'warning' ? [h.w] : []));
    assert.deepEqual(warnings.map((w) => [w.pid, w.rank]), logged[0]?.next.map((p, i) => [p.pid, i + 1]), 'one REAPD_WARNING per next victim, in rank order');
    const first = warnings[0];
    assert.equal(first?.pid, killed[0], 'rank 1 is the first one killed');
    assert.equal(first?.uid, uidOf.get(killed[0] as number), 'with the uid its client registered');
    assert.ok((first?.headroomKiB ?? Infinity) <= 100 * 1024, 'at or below warn_headroom');
    const firstKill = heard.findIndex((h) => h.kind === 'kill' && h.pid === killed[0]);
    assert.ok(heard.findIndex((h) => h.kind === 'warning') < firstKill, 'the warning came before the kill');
    assert.deepEqual(lmkdKills.sort(), [...killed].sort());
    assert.deepEqual(lmkdWarnings, [], 'an lmkd client that did not subscribe to event 16 gets no warning');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await s.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
