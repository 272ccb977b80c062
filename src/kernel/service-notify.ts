// The service manager's notify protocol (sd_notify(3)), spoken directly: one datagram of
// "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is the
// abstract namespace). systemd's Type=notify waits for READY=1 before it calls the unit
// started; STOPPING=1 and RELOADING=1 say what the daemon is doing; WATCHDOG=1 must
// arrive every WatchdogSec= ($WATCHDOG_USEC) or systemd restarts the unit.
//
// A missing $NOTIFY_SOCKET (not started by systemd) makes every call a no-op. A failed
// send is reported once through `onError` and never stops the daemon: guarding matters
// more than telling the service manager about it.
import { close } from './sys/io.js';
import { connectUnix, datagramSocket, send } from './sys/socket.js';

interface ServiceNotifierOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  onError?: (message: string) => void;
}

export class ServiceNotifier {
  private fd: number | undefined;
  private failed = false;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private readonly socketPath: string | undefined;
  /** Half of WatchdogSec= in ms (systemd's advice), when the watchdog is for this pid. */
  readonly watchdogIntervalMs: number | undefined;

  constructor(private readonly o: ServiceNotifierOptions = {}) {
    const env = o.env ?? process.env;
    const path = env.NOTIFY_SOCKET;
    this.socketPath = path ? (path.startsWith('@') ? `\0${path.slice(1)}` : path) : undefined;
    const usec = Number(env.WATCHDOG_USEC);
    const forPid = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === (o.pid ?? process.pid);
    this.watchdogIntervalMs = this.socketPath && forPid && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  }

  /** Whether a service manager is listening (reapd runs under systemd's Type=notify). */
  get enabled(): boolean {
    return this.socketPath !== undefined;
  }

  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${this.o.pid ?? process.pid}`);
    this.startWatchdog();
  }

  reloading(): void {
    this.send('RELOADING=1\nSTATUS=reloading the configuration');
  }

  stopping(): void {
    this.stopWatchdog();
    this.send('STOPPING=1\nSTATUS=stopping');
  }

  status(text: string): void {
    this.send(`STATUS=${text}`);
  }

  close(): void {
    this.stopWatchdog();
    if (this.fd !== undefined) close(this.fd);
    this.fd = undefined;
  }

  /**
   * The keep-alive runs on the main thread on purpose: a main loop that stalls stops the
   * pings, and systemd then restarts a daemon that no longer guards.
   */
  private startWatchdog(): void {
    if (this.watchdogIntervalMs === undefined || this.watchdogTimer) return;
    this.send('WATCHDOG=1');
    this.watchdogTimer = setInterval(() => this.send('WATCHDOG=1'), this.watchdogIntervalMs);
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  private send(message: string): void {
    if (this.socketPath === undefined || this.failed) return;
    try {
      if (this.fd === undefined) {
        this.fd = datagramSocket();
        connectUnix(this.fd, this.socketPath);
      }
      send(this.fd, Buffer.from(message));
    } catch (e) {
      // Once: the service manager went away or the socket is not ours to write.
      this.failed = true;
      this.o.onError?.(`service manager notify socket ${this.socketPath.replace('\0', '@')}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
