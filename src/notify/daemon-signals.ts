// Hearing reapd on its bus: Killed and Warning from whoever owns io.reapd.Daemon1 now.
// The match rules name the well-known name, so dbus-daemon delivers the signals of its
// current owner: a daemon that restarts (the name goes and comes back under a new unique
// name) is heard again without reconnecting. Owner changes are tracked (NameOwnerChanged)
// to say so, and a signal from any other sender — one sent straight to us — is dropped.
import type dbus from 'dbus-next';
import { DBUS_INTERFACE, DBUS_NAME, DBUS_PATH, KILLED_SIGNATURE, WARNING_SIGNATURE } from '../daemon/dbus/names.js';
import { busCall, type BusLink } from './bus.js';
import type { KilledFacts, WarningFacts } from './notice.js';

interface DaemonSignalHandlers {
  killed(k: KilledFacts): void;
  warning(w: WarningFacts): void;
  /** The name's owner: a unique name when reapd is on the bus, "" when it is not. */
  owner(unique: string): void;
}

const SIGNALS_RULE = `type='signal',sender='${DBUS_NAME}',path='${DBUS_PATH}',interface='${DBUS_INTERFACE}'`;
const OWNER_RULE = `type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${DBUS_NAME}'`;

function killedOf(body: unknown[]): KilledFacts {
  const [pid, uid, name, scope, sizeKiB, reason, policy, domain] = body as [number, number, string, string, bigint, string, string, string];
  return { pid, uid, name, scope, sizeKiB: Number(sizeKiB), reason, policy, domain };
}

function warningOf(body: unknown[]): WarningFacts {
  const [domain, headroomKiB, next] = body as [string, bigint, Array<[number, number, string, bigint]>];
  return { domain, headroomKiB: Number(headroomKiB), next: next.map(([pid, uid, name, sizeKiB]) => ({ pid, uid, name, sizeKiB: Number(sizeKiB) })) };
}

/** Subscribe; resolves once the rules are in place and the current owner is known. */
export async function listenToDaemon(link: BusLink, on: DaemonSignalHandlers): Promise<void> {
  let owner = '';
  link.bus.on('message', (m: dbus.Message) => {
    if (m.sender === 'org.freedesktop.DBus' && m.member === 'NameOwnerChanged' && m.body[0] === DBUS_NAME) {
      owner = String(m.body[2] ?? '');
      on.owner(owner);
      return;
    }
    if (owner === '' || m.sender !== owner || m.interface !== DBUS_INTERFACE || m.path !== DBUS_PATH) return;
    if (m.member === 'Killed' && m.signature === KILLED_SIGNATURE) on.killed(killedOf(m.body));
    else if (m.member === 'Warning' && m.signature === WARNING_SIGNATURE) on.warning(warningOf(m.body));
  });
  await busCall(link, 'AddMatch', 's', [OWNER_RULE]);
  await busCall(link, 'AddMatch', 's', [SIGNALS_RULE]);
  try {
    const reply = await busCall(link, 'GetNameOwner', 's', [DBUS_NAME]);
    owner = String(reply?.body[0] ?? '');
  } catch (e) {
    if ((e as { type?: string }).type !== 'org.freedesktop.DBus.Error.NameHasNoOwner') throw e;
  }
  on.owner(owner);
}
