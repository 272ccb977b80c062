// Asking a running reapd over D-Bus (GetStatus): for `reapd status` and `reapd top`.
import dbus from 'dbus-next';
import { DBUS_INTERFACE, DBUS_NAME, DBUS_PATH } from './names.js';

interface StatusClient {
  status(): Promise<unknown>;
  close(): void;
}

/** Connect to the bus ("system" or an address) and the daemon's object; throws with a sentence. */
export async function connectStatus(address: string, timeoutMs = 5000): Promise<StatusClient> {
  const bus = address === 'system' ? dbus.systemBus() : dbus.sessionBus({ busAddress: address });
  let failure: Error | undefined;
  bus.on('error', (e: Error) => (failure = e));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(failure ?? new Error(`no answer from the bus within ${timeoutMs} ms`)), timeoutMs)));
  try {
    const obj = await Promise.race([bus.getProxyObject(DBUS_NAME, DBUS_PATH), timeout]);
    const iface = obj.getInterface(DBUS_INTERFACE) as unknown as { GetStatus(): Promise<string> };
    return {
      status: async () => JSON.parse(await withTimeout(iface.GetStatus(), timeoutMs, 'GetStatus')) as unknown,
      close: () => bus.disconnect(),
    };
  } catch (e) {
    bus.disconnect();
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot reach reapd (${DBUS_NAME}) on ${address === 'system' ? 'the system bus' : address}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

/** dbus-next never settles a call the bus dropped: every call gets a deadline. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
