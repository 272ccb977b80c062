// `reapd notify` wired: reapd's Killed and Warning for one uid become desktop notices, at
// most one per app and kind per minute. Runs until either bus is lost (`running` rejects:
// the user unit restarts it) or the caller closes the buses. Every notice shown, held back
// or failed is a line in the log (stdout: the user journal under systemd).
import { DBUS_NAME } from '../daemon/dbus/names.js';
import type { BusLink } from './bus.js';
import { listenToDaemon } from './daemon-signals.js';
import { NOTIFICATIONS_NAME, showNotice } from './desktop.js';
import { killedNotice, warningNotice, type Notice } from './notice.js';
import { NoticeRateLimit } from './rate-limit.js';

/** Issue 16: "never more than one per app per minute". */
export const NOTICE_WINDOW_MS = 60_000;

interface NotifierOptions {
  /** The bus reapd is on, and the session bus with the notification server. */
  daemon: BusLink;
  desktop: BusLink;
  /** Only kills and warnings of this uid's processes are shown. */
  uid: number;
  nowMs(): number;
  log(line: string): void;
}

interface Notifier {
  /** Rejects when a bus is lost; never resolves on its own. */
  running: Promise<never>;
}

export async function startNotifier(o: NotifierOptions): Promise<Notifier> {
  const limit = new NoticeRateLimit(NOTICE_WINDOW_MS);
  let lastOwner: string | undefined;
  // One thing at a time, in the order the signals came: a notice is shown (or failed)
  // before the next is looked at, so the log's order is the bus's order.
  let chain: Promise<void> = Promise.resolve();
  const queue = (f: () => Promise<void> | void): void => void (chain = chain.then(f).catch(() => undefined));
  const tell = (n: Notice | undefined): void => {
    const atMs = o.nowMs();
    queue(() => show(n, atMs));
  };
  const show = async (n: Notice | undefined, atMs: number): Promise<void> => {
    if (!n) return;
    if (!limit.allow(n, atMs)) {
      o.log(`held back (one per app per minute): ${n.kind} ${n.app}: ${n.summary}`);
      return;
    }
    try {
      o.log(`shown (${await showNotice(o.desktop, n)}): ${n.kind} ${n.app}: ${n.summary}`);
    } catch (e) {
      limit.forget(n);
      o.log(`not shown: ${n.summary}: ${NOTIFICATIONS_NAME} on ${o.desktop.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  await listenToDaemon(o.daemon, {
    killed: (k) => {
      if (k.uid === o.uid) tell(killedNotice(k));
    },
    warning: (w) => tell(warningNotice(w, o.uid)),
    owner: (unique) => queue(() => {
      if (unique === lastOwner) return;
      lastOwner = unique;
      o.log(unique === '' ? `reapd (${DBUS_NAME}) is not on ${o.daemon.label}: waiting for it` : `reapd (${DBUS_NAME}) is on ${o.daemon.label} as ${unique}`);
    }),
  });
  const lost = (link: BusLink): Promise<never> => link.lost.catch((e: unknown) => {
    throw new Error(`lost ${link.label}: ${e instanceof Error ? e.message : String(e)}`);
  });
  return { running: Promise.race([lost(o.daemon), lost(o.desktop)]) };
}
