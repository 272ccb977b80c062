// reapd on D-Bus: owns io.reapd.Daemon1 on the configured bus and emits Killed, Warning and
// PressureChanged as a KillObserver — after the kill thread acted (the kill's record is
// written after the victims exited or the reclaim timed out). The bus is never in the way:
// connecting happens after the daemon started, an absent or broken bus is logged once and
// every signal skipped until a reconnect (at most every RECONNECT_MS) succeeds.
import dbus from 'dbus-next';
import type { KillRecord } from '../../model/kill-record.js';
import type { KillObserver } from '../observer.js';
import type { Log } from '../logger.js';
import type { WarningRecord } from '../warning.js';
import { DaemonInterface, type DaemonFacts } from './interface.js';
import { DBUS_NAME, DBUS_PATH, type PressureLevel } from './names.js';

const RECONNECT_MS = 30_000;
/** dbus-next never settles a call on a bus it could not reach: give up on the name after this. */
const CONNECT_TIMEOUT_MS = 5000;
const RECENT_KILLS = 50;

interface DbusServiceOptions {
  /** "system", or a bus address ("unix:path=/run/…"). */
  address: string;
  log: Log;
  status(): Promise<unknown>;
  nowMs(): number;
}


export class DbusService {
  private bus: dbus.MessageBus | undefined;
  private readonly iface: DaemonInterface;
  private lastAttemptMs = -Infinity;
  private downLogged = false;
  private connecting: Promise<void> | undefined;
  private readonly recent: KillRecord[] = [];
  private readonly scopes = new Map<number, string>();
  private readonly levels = new Map<string, PressureLevel>();

  constructor(private readonly o: DbusServiceOptions) {
    const facts: DaemonFacts = {
      status: async () => JSON.stringify(await o.status()),
      recentKills: (max) => JSON.stringify(this.recent.slice(-Math.max(0, Math.min(max, RECENT_KILLS)))),
    };
    this.iface = new DaemonInterface(facts);
  }

  /** Connect and own the name; failures are logged (once) and leave the service quiet. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    this.lastAttemptMs = this.o.nowMs();
    const bus = this.o.address === 'system' ? dbus.systemBus() : dbus.sessionBus({ busAddress: this.o.address });
    bus.on('error', (e: Error) => this.down(bus, `the bus connection failed: ${e.message}`));
    // The bus closing its end is a stream 'end' that MessageBus does not forward.
    (bus as unknown as { _connection?: { on(e: 'end', f: () => void): void } })._connection?.on('end', () => this.down(bus, 'the bus closed the connection'));
    let timer: NodeJS.Timeout | undefined;
    try {
      bus.export(DBUS_PATH, this.iface);
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from the bus within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS)));
      const reply = await Promise.race([bus.requestName(DBUS_NAME, dbus.NameFlag.DO_NOT_QUEUE), timeout]);
      if (reply !== dbus.RequestNameReply.PRIMARY_OWNER && reply !== dbus.RequestNameReply.ALREADY_OWNER) {
        throw new Error(`${DBUS_NAME} is owned by another process`);
      }
      this.bus = bus;
      this.downLogged = false;
      this.o.log.info('dbus', `D-Bus: ${DBUS_NAME} at ${DBUS_PATH} on ${this.o.address === 'system' ? 'the system bus' : this.o.address}`, { address: this.o.address });
    } catch (e) {
      this.down(bus, e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  private down(bus: dbus.MessageBus, why: string): void {
    if (this.bus === bus || this.bus === undefined) this.bus = undefined;
    try {
      bus.disconnect();
    } catch {
      /* already down */
    }
    if (this.downLogged) return;
    this.downLogged = true;
    this.o.log.info('dbus-down', `D-Bus: ${why}; signals are skipped until the bus is back (retried at most every ${RECONNECT_MS / 1000} s)`, { address: this.o.address });
  }

  /** The bus, or undefined (and maybe a reconnect started for the next signal). */
  private ready(): boolean {
    if (this.bus) return true;
    if (this.o.nowMs() - this.lastAttemptMs >= RECONNECT_MS) void this.connect();
    return false;
  }

  private level(domain: string, level: PressureLevel): void {
    if (this.levels.get(domain) === level) return;
    this.levels.set(domain, level);
    if (this.ready()) this.iface.PressureChanged(domain, level);
  }

  private killed(domain: string, k: KillRecord): void {
    this.recent.push(k);
    if (this.recent.length > RECENT_KILLS) this.recent.shift();
    const scope = this.scopes.get(k.pid) ?? '';
    this.scopes.delete(k.pid);
    if (k.dryRun || k.killed === false || !this.ready()) return;
    this.iface.Killed(k.pid, k.uid, k.name, scope, BigInt(Math.round(k.sizeKiB)), k.reason, k.policy, domain, k.reaped, k.reapMs ?? -1);
  }

  private warned(w: WarningRecord): void {
    this.level(w.domain, 'warning');
    if (!this.ready()) return;
    this.iface.Warning(w.domain, BigInt(w.headroomKiB), w.next.map((p) => [p.pid, p.uid, p.name, BigInt(Math.round(p.sizeKiB))]));
  }

  readonly observer: KillObserver = {
    // "critical" once the kill thread acted (a decision comes before its kill: too early to
    // send anything). And the victim's cgroup (its "scope": which app) as the scan read it:
    // nothing of a victim is read once it is dying (its memory teardown must not wait for us).
    signalled: (domain, results) => {
      this.level(domain, 'critical');
      for (const r of results) if (r.killed) this.scopes.set(r.victim.pid, r.victim.cgroupV2 ?? '');
    },
    kill: (domain, record) => this.killed(domain, record),
    warning: (w) => this.warned(w),
    level: (domain, level) => this.level(domain, level),
  };

  close(): void {
    const bus = this.bus;
    this.bus = undefined;
    this.downLogged = true;
    bus?.disconnect();
  }
}
