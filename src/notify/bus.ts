// Connecting `reapd notify` to a bus, and calling on it, with deadlines: dbus-next never
// settles a call on a bus it could not reach, and reports a refused socket only as an
// 'error' event. Every failure becomes an Error whose message says which bus and why.
import dbus from 'dbus-next';

const CALL_TIMEOUT_MS = 5000;

export interface BusLink {
  bus: dbus.MessageBus;
  /** Where it is, for messages: "the system bus", "the session bus" or the address. */
  label: string;
  /** Rejects (never resolves) when the connection fails or the bus closes it. */
  lost: Promise<never>;
}

/** "system" -> the system bus ($DBUS_SYSTEM_BUS_ADDRESS or the standard socket); "session" -> $DBUS_SESSION_BUS_ADDRESS; else an address. */
export function openBus(address: string): BusLink {
  const label = address === 'system' ? 'the system bus' : address === 'session' ? 'the session bus' : address;
  let bus: dbus.MessageBus;
  try {
    if (address === 'session' && !process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('DBUS_SESSION_BUS_ADDRESS is not set (is there a desktop session?)');
    bus = address === 'system' ? dbus.systemBus() : dbus.sessionBus(address === 'session' ? undefined : { busAddress: address });
  } catch (e) {
    throw new Error(`cannot connect to ${label}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lost = new Promise<never>((_, reject) => {
    bus.on('error', (e: Error) => reject(e));
    // The bus closing its end is a stream 'end' that MessageBus does not forward.
    (bus as unknown as { _connection?: { on(e: 'end', f: () => void): void } })._connection?.on('end', () => reject(new Error('the bus closed the connection')));
  });
  lost.catch(() => undefined);
  return { bus, label, lost };
}

/** A method call that fails when the connection is lost or after timeoutMs. */
export async function callOn(link: BusLink, msg: dbus.Message, timeoutMs = CALL_TIMEOUT_MS): Promise<dbus.Message | null> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${msg.member}: no answer from ${link.label} within ${timeoutMs} ms`)), timeoutMs)));
  try {
    return await Promise.race([link.bus.call(msg), link.lost, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** A call to the bus itself (org.freedesktop.DBus). */
export function busCall(link: BusLink, member: string, signature: string, body: unknown[]): Promise<dbus.Message | null> {
  return callOn(link, new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member, signature, body }));
}

export function closeBus(link: BusLink): void {
  try {
    link.bus.disconnect();
  } catch {
    /* already closed */
  }
}
