// `reapd notify`: the user-session notifier (docs/notifications.md, "Desktop
// notifications"). Listens on the bus reapd is on for Killed and Warning about this user's
// processes and shows them through org.freedesktop.Notifications on the session bus.
// Exit codes: 0 on SIGTERM/SIGINT; 1 when a bus cannot be reached or is lost (the systemd
// user unit restarts it); 2 for bad arguments.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';
import { closeBus, openBus, busCall, type BusLink } from '../../notify/bus.js';
import { startNotifier } from '../../notify/notifier.js';
import { threadNowMs } from '../../kernel/clock.js';

interface NotifyFlags {
  dbus: string;
  sessionBus: string;
  uid?: string;
}

function uidOf(text: string | undefined): number {
  if (text === undefined) return process.getuid?.() ?? 0;
  if (!/^\d+$/.test(text.trim()) || Number(text) > 2 ** 32 - 1) throw new CliError(`--uid "${text}" is not a uid (a whole number)`, EXIT.USAGE);
  return Number(text);
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Open a bus and make one call to it, so an absent bus fails here with its reason. */
async function reach(address: string): Promise<BusLink> {
  let link: BusLink | undefined;
  try {
    link = openBus(address);
    await busCall(link, 'GetId', '', []);
    return link;
  } catch (e) {
    if (link) closeBus(link);
    const why = e instanceof Error ? e.message : String(e);
    throw new CliError(why.startsWith('cannot') ? why : `cannot reach ${link?.label ?? address}: ${why}`, EXIT.FAILURE);
  }
}

async function notify(o: NotifyFlags): Promise<void> {
  const uid = uidOf(o.uid);
  const daemon = await reach(o.dbus);
  let desktop: BusLink | undefined;
  try {
    desktop = await reach(o.sessionBus);
    const notifier = await startNotifier({ daemon, desktop, uid, nowMs: threadNowMs, log }).catch((e: unknown) => {
      throw new CliError(`cannot listen on ${daemon.label}: ${e instanceof Error ? e.message : String(e)}`, EXIT.FAILURE);
    });
    log(`listening on ${daemon.label} for kills and warnings of uid ${uid}; notifications go to ${desktop.label}`);
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await Promise.race([stopped, notifier.running]);
    } catch (e) {
      throw new CliError(`${e instanceof Error ? e.message : String(e)}; exiting`, EXIT.FAILURE);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  } finally {
    if (desktop) closeBus(desktop);
    closeBus(daemon);
  }
}

export function register(program: Command): void {
  program
    .command('notify')
    .description("Show desktop notifications for reapd's kills and warnings about this user's processes")
    .option('--dbus <address>', 'the bus reapd is on: "system" ($DBUS_SYSTEM_BUS_ADDRESS or the standard socket) or a bus address', 'system')
    .option('--session-bus <address>', 'where org.freedesktop.Notifications is: "session" ($DBUS_SESSION_BUS_ADDRESS) or a bus address', 'session')
    .option('--uid <uid>', "whose processes to tell about (default: this user's own uid)")
    .action((o: NotifyFlags) => notify(o));
}
