// `reapd status`: one look at a running daemon over D-Bus (GetStatus). `reapd top`: the
// same, redrawn every --interval in the terminal until q, Ctrl-C or SIGTERM.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';
import { connectStatus } from '../../daemon/dbus/client.js';
import { formatStatus, type StatusView } from '../status-format.js';
import { parseDurationMs } from '../../model/units.js';

interface StatusFlags {
  dbus: string;
  json?: boolean;
  interval?: string;
}

async function client(address: string): Promise<Awaited<ReturnType<typeof connectStatus>>> {
  try {
    return await connectStatus(address);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), EXIT.FAILURE);
  }
}

async function status(o: StatusFlags): Promise<void> {
  const c = await client(o.dbus);
  try {
    const s = await c.status();
    process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s as StatusView));
  } finally {
    c.close();
  }
}

async function top(o: StatusFlags): Promise<void> {
  const intervalMs = parseDurationMs(o.interval ?? '1s');
  if (intervalMs === undefined || intervalMs < 100) throw new CliError(`--interval "${o.interval}" is not a duration of at least 100ms`, EXIT.USAGE);
  const c = await client(o.dbus);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onKey = (b: Buffer): void => void ((b[0] === 0x71 || b[0] === 0x03) && stop()); // q, Ctrl-C
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey);
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      const s = (await c.status()) as StatusView;
      process.stdout.write(`\x1b[H\x1b[2J${formatStatus(s)}\n${new Date().toISOString().slice(11, 19)}  refreshed every ${intervalMs} ms — q quits\n`);
      let timer: NodeJS.Timeout | undefined;
      const slept = await Promise.race([stopped.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), intervalMs)))]);
      clearTimeout(timer);
      if (slept) break;
    }
  } finally {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.off('data', onKey);
    process.stdin.pause();
    c.close();
  }
}

export function register(program: Command): void {
  program
    .command('status')
    .description('Show a running daemon: per domain the trigger, headroom, next victims, last kills (over D-Bus)')
    .option('--dbus <address>', '"system" or a bus address', 'system')
    .option('--json', 'the GetStatus JSON as it comes')
    .action((o: StatusFlags) => status(o));
  program
    .command('top')
    .description('The same as status, redrawn in the terminal until q')
    .option('--dbus <address>', '"system" or a bus address', 'system')
    .option('--interval <duration>', 'redraw every DURATION', '1s')
    .action((o: StatusFlags) => top(o));
}
