// The daemon's process signals: SIGHUP reloads, SIGTERM/SIGINT stop, and the event loop
// running dry while serving is fatal (it means nothing is armed, so nothing is guarded).
import { EXIT } from '../model/exit-codes.js';
import type { Logger } from './logger.js';

/** Exit codes from the one table (src/model/exit-codes.ts). */
export const EXIT_OK = EXIT.OK;
/** The daemon had to stop guarding (it says why): non-zero, so Restart=on-failure restarts it. */
export const EXIT_FAILURE = EXIT.FAILURE;

/** What serving needs of the daemon: a reload on SIGHUP. */
interface Reloadable {
  reload(): Promise<boolean>;
}

/** The service manager's view of a reload (src/kernel/service-notify.ts: RELOADING=1 … READY=1). */
interface ReloadNotifier {
  reloading(): void;
  ready(status: string): void;
}

const NO_NOTIFIER: ReloadNotifier = { reloading: () => undefined, ready: () => undefined };

/** How serving ended: a stop signal, or a reason the daemon cannot go on guarding. */
type ServeEnd = { signal: string; fatal?: undefined } | { signal?: undefined; fatal: string };

/**
 * SIGHUP reloads (ignored, with a line, while starting or stopping); SIGTERM/SIGINT stop —
 * one that arrives during start-up stops the daemon as soon as it has started. A second
 * stop signal while stopping ends the process at once. While serving, an event loop that
 * runs dry ('beforeExit': nothing left to wait on, so nothing is guarded) is fatal, never
 * a silent exit 0.
 */
export class Signals {
  private daemon: Reloadable | undefined;
  private end: ServeEnd | undefined;
  private resolveStop: ((end: ServeEnd) => void) | undefined;
  private readonly onBeforeExit = (): void => {
    if (this.daemon) this.fatal('the event loop has nothing left to wait on (no trigger, timer or socket is armed)');
  };
  private readonly onHup = (): void => {
    if (!this.daemon) {
      this.logger.info('reload', 'SIGHUP ignored: the daemon is starting or stopping');
      return;
    }
    this.logger.info('reload', 'SIGHUP: reloading the configuration');
    // systemd's ExecReload waits for nothing, but RELOADING=1 … READY=1 shows the reload
    // in `systemctl status` and is what Type=notify-reload expects.
    this.notifier.reloading();
    void this.daemon.reload().finally(() => this.notifier.ready('configuration reloaded'));
  };
  private readonly onStop = (signal: NodeJS.Signals): void => {
    if (this.end !== undefined) process.exit(this.end.fatal !== undefined ? EXIT_FAILURE : EXIT_OK);
    this.finish({ signal });
  };

  constructor(
    private readonly logger: Logger,
    private readonly notifier: ReloadNotifier = NO_NOTIFIER,
  ) {
    process.on('SIGHUP', this.onHup);
    process.on('SIGTERM', this.onStop);
    process.on('SIGINT', this.onStop);
    process.on('beforeExit', this.onBeforeExit);
  }

  /** The daemon cannot guard any more: end serving with this reason (the first one wins). */
  fatal(reason: string): void {
    this.finish({ fatal: reason });
  }

  private finish(end: ServeEnd): void {
    if (this.end !== undefined) return;
    this.end = end;
    this.resolveStop?.(end);
  }

  /** Resolves with how serving ended; SIGHUP reloads `daemon` meanwhile. */
  serve(daemon: Reloadable): Promise<ServeEnd> {
    this.daemon = daemon;
    return new Promise<ServeEnd>((resolve) => {
      if (this.end !== undefined) resolve(this.end);
      else this.resolveStop = resolve;
    }).then((end) => {
      this.daemon = undefined;
      return end;
    });
  }

  dispose(): void {
    process.off('SIGHUP', this.onHup);
    process.off('SIGTERM', this.onStop);
    process.off('SIGINT', this.onStop);
    process.off('beforeExit', this.onBeforeExit);
  }
}

