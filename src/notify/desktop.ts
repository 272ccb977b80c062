// Showing a notice on the desktop: org.freedesktop.Notifications.Notify on the session
// bus (the Desktop Notifications Specification, 1.2): app name "reapd", no actions, the
// server's default timeout, and the urgency hint. Resolves with the server's id.
import dbus from 'dbus-next';
import { callOn, type BusLink } from './bus.js';
import type { Notice } from './notice.js';

export const NOTIFICATIONS_NAME = 'org.freedesktop.Notifications';
const NOTIFICATIONS_PATH = '/org/freedesktop/Notifications';
/** Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout) -> id. */
const NOTIFY_SIGNATURE = 'susssasa{sv}i';

export async function showNotice(link: BusLink, n: Notice): Promise<number> {
  const icon = n.kind === 'killed' ? 'dialog-information' : 'dialog-warning';
  const hints = { urgency: new dbus.Variant('y', n.urgency) };
  const msg = new dbus.Message({
    destination: NOTIFICATIONS_NAME,
    path: NOTIFICATIONS_PATH,
    interface: NOTIFICATIONS_NAME,
    member: 'Notify',
    signature: NOTIFY_SIGNATURE,
    body: ['reapd', 0, icon, n.summary, n.body, [], hints, -1],
  });
  const reply = await callOn(link, msg);
  return Number(reply?.body[0] ?? 0);
}
