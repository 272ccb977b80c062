// What `reapd notify` says on the desktop, as plain data: the sentence for a kill and for a
// warning before one (issue 16's wording), and the "app" a notice is about, which is what
// the rate limit counts. Pure: no bus, no clock.
import { formatKiB } from '../model/units.js';

/** A Killed signal's facts (src/daemon/dbus/names.ts, KILLED_SIGNATURE). */
export interface KilledFacts {
  pid: number;
  uid: number;
  name: string;
  /** The victim's cgroup2 path ("" when unknown). */
  scope: string;
  sizeKiB: number;
  reason: string;
  policy: string;
  domain: string;
}

/** A Warning signal's facts (WARNING_SIGNATURE): the next victims, first first. */
export interface WarningFacts {
  domain: string;
  headroomKiB: number;
  next: Array<{ pid: number; uid: number; name: string; sizeKiB: number }>;
}

type NoticeKind = 'killed' | 'warning';

export interface Notice {
  kind: NoticeKind;
  /** What the rate limit counts: the desktop app when the scope names one, else the process name. */
  app: string;
  /** One line (the notification's title). */
  summary: string;
  /** Detail, with <, > and & escaped (servers with body-markup read it as markup). */
  body: string;
  /** org.freedesktop.Notifications urgency: 1 normal, 2 critical. */
  urgency: 1 | 2;
}

/**
 * The application id in a desktop app's systemd unit name, as the desktop environments
 * name them (systemd's "Desktop Environment Integration"):
 * `app[-<launcher>]-<ApplicationID>-<RANDOM>.scope` or `app[-<launcher>]-<ApplicationID>[@<RANDOM>].service`,
 * with "-" inside the id escaped as \x2d. A reverse-DNS id gives its last part
 * (`org.mozilla.firefox` -> `firefox`). Undefined for anything else.
 */
export function appOfScope(scope: string): string | undefined {
  for (const unit of scope.split('/').reverse()) {
    const m = /^app-(.+)-[^-]+\.scope$/.exec(unit) ?? /^app-(.+?)(?:@[^.]*)?\.service$/.exec(unit);
    if (!m?.[1]) continue;
    const parts = m[1].split('-');
    const id = (parts.length > 1 ? parts.slice(1).join('-') : m[1]).replace(/\\x2d/g, '-');
    const dns = id.split('.');
    const app = dns.length >= 3 ? dns[dns.length - 1] : id;
    if (app) return app;
  }
  return undefined;
}

function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "firefox", or "Isolated Web Co in firefox" when the process is one of an app's. */
function shown(name: string, app: string | undefined): string {
  return app === undefined || app.toLowerCase() === name.toLowerCase() ? name : `${name} in ${app}`;
}

export function killedNotice(k: KilledFacts): Notice {
  const app = appOfScope(k.scope);
  const who = shown(k.name, app);
  return {
    kind: 'killed',
    app: app ?? k.name,
    summary: `Low memory: ${who} (${formatKiB(k.sizeKiB)}) was closed to keep the system responsive`,
    body: escapeMarkup(`reapd stopped ${k.name} (pid ${k.pid}) in ${k.domain}: ${k.reason} (${k.policy}).`),
    urgency: 1,
  };
}

/** The warning for the first of the next victims that belongs to `uid`; undefined when none does. */
export function warningNotice(w: WarningFacts, uid: number): Notice | undefined {
  const mine = w.next.find((p) => p.uid === uid);
  if (!mine) return undefined;
  return {
    kind: 'warning',
    app: mine.name,
    summary: `Memory is running out: ${mine.name} may be closed`,
    body: escapeMarkup(`${formatKiB(Math.max(0, w.headroomKiB))} left in ${w.domain} before reapd closes ${mine.name} (${formatKiB(mine.sizeKiB)}). Save your work, or close something you do not need.`),
    urgency: 2,
  };
}
