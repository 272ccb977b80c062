// What `reapd notify` says and how often: the sentences for a kill and a warning, the app
// a desktop unit names, markup escaped in the body, the uid filter of a warning, and the
// rate limit (one per app and kind per window; a notice that failed is not counted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appOfScope, killedNotice, warningNotice, type KilledFacts } from '../../src/notify/notice.js';
import { NoticeRateLimit } from '../../src/notify/rate-limit.js';
import { NOTICE_WINDOW_MS } from '../../src/notify/notifier.js';

const USER_APPS = '/user.slice/user-1000.slice/user@1000.service/app.slice';
const kill = (o: Partial<KilledFacts> = {}): KilledFacts => ({ pid: 4242, uid: 1000, name: 'firefox', scope: '', sizeKiB: 2202009, reason: 'psi-critical', policy: 'oom-score', domain: 'machine', ...o });

test('the kill notice: issue 16\'s sentence with the size; the body names pid, domain and reason', () => {
  const n = killedNotice(kill());
  assert.equal(n.summary, 'Low memory: firefox (2.1 GiB) was closed to keep the system responsive');
  assert.equal(n.body, 'reapd stopped firefox (pid 4242) in machine: psi-critical (oom-score).');
  assert.equal(n.kind, 'killed');
  assert.equal(n.app, 'firefox');
  assert.equal(killedNotice(kill({ sizeKiB: 300 * 1024 })).summary, 'Low memory: firefox (300.0 MiB) was closed to keep the system responsive');
});

test('a process of a desktop app is named with its app, and counted as that app', () => {
  const n = killedNotice(kill({ name: 'Isolated Web Co', scope: `${USER_APPS}/app-gnome-firefox-1234.scope` }));
  assert.equal(n.summary, 'Low memory: Isolated Web Co in firefox (2.1 GiB) was closed to keep the system responsive');
  assert.equal(n.app, 'firefox');
  assert.equal(killedNotice(kill({ scope: `${USER_APPS}/app-firefox-1234.scope` })).summary.startsWith('Low memory: firefox (2.1'), true, 'not "firefox in firefox"');
});

test('appOfScope reads the desktop environments\' unit names, and nothing else', () => {
  assert.equal(appOfScope(`${USER_APPS}/app-firefox-1234.scope`), 'firefox');
  assert.equal(appOfScope(`${USER_APPS}/app-gnome-firefox-1234.scope`), 'firefox');
  assert.equal(appOfScope(`${USER_APPS}/app-flatpak-org.mozilla.firefox-5678.scope`), 'firefox');
  assert.equal(appOfScope(`${USER_APPS}/app-kde-org.kde.konsole@a1b2.service`), 'konsole');
  assert.equal(appOfScope(`${USER_APPS}/app-gnome-firefox\\x2desr-1.scope`), 'firefox-esr');
  assert.equal(appOfScope(`${USER_APPS}/app-org.gnome.Terminal.slice/vte-spawn-0f3c.scope`), undefined, 'a terminal tab is not the terminal');
  assert.equal(appOfScope('/system.slice/cron.service'), undefined);
  assert.equal(appOfScope(''), undefined);
  assert.equal(appOfScope('/app.slice'), undefined);
});

test('markup in a process name is escaped in the body (servers may read it as markup), kept in the summary', () => {
  const n = killedNotice(kill({ name: '<b>x&y' }));
  assert.match(n.body, /^reapd stopped &lt;b&gt;x&amp;y \(pid/);
  assert.match(n.summary, /^Low memory: <b>x&y /);
});

test('the warning names the first of the next victims that is ours; none of ours, no notice', () => {
  const w = { domain: 'machine', headroomKiB: 512 * 1024, next: [{ pid: 1, uid: 0, name: 'postgres', sizeKiB: 1 }, { pid: 2, uid: 1000, name: 'firefox', sizeKiB: 1024 * 1024 }, { pid: 3, uid: 1000, name: 'code', sizeKiB: 1 }] };
  const n = warningNotice(w, 1000);
  assert.equal(n?.summary, 'Memory is running out: firefox may be closed');
  assert.equal(n?.body, '512.0 MiB left in machine before reapd closes firefox (1.0 GiB). Save your work, or close something you do not need.');
  assert.equal(n?.urgency, 2);
  assert.equal(warningNotice(w, 1001), undefined);
  assert.equal(warningNotice({ ...w, next: [] }, 1000), undefined);
  assert.match(warningNotice({ ...w, headroomKiB: -5000 }, 1000)?.body ?? '', /^0 KiB left/, 'below the kill level already: nothing left, not a negative amount');
});

test('the rate limit: one per app and kind per window; other apps and kinds pass; a failed notice is not counted', () => {
  const limit = new NoticeRateLimit(NOTICE_WINDOW_MS);
  const ff = { kind: 'warning' as const, app: 'firefox' };
  assert.equal(NOTICE_WINDOW_MS, 60_000, 'one minute (issue 16)');
  assert.equal(limit.allow(ff, 1000), true);
  assert.equal(limit.allow(ff, 1000 + 59_999), false, 'within the minute');
  assert.equal(limit.allow({ kind: 'killed', app: 'firefox' }, 2000), true, 'a kill after its warning is shown');
  assert.equal(limit.allow({ kind: 'warning', app: 'code' }, 2000), true, 'another app');
  assert.equal(limit.allow(ff, 1000 + 60_000), true, 'a minute later');
  limit.forget({ kind: 'warning', app: 'code' });
  assert.equal(limit.allow({ kind: 'warning', app: 'code' }, 3000), true, 'forgotten: shown again');
});

test('the rate limit forgets old apps but keeps recent ones when it prunes', () => {
  const limit = new NoticeRateLimit(1000);
  for (let i = 0; i < 300; i++) assert.equal(limit.allow({ kind: 'killed', app: `a${i}` }, i * 10), true);
  assert.equal(limit.allow({ kind: 'killed', app: 'a299' }, 3000), false, 'a recent one is still held back after pruning');
  assert.equal(limit.allow({ kind: 'killed', app: 'a0' }, 3000), true);
});
