// The io.reapd.Daemon1 interface as a dbus-next Interface (no decorators: configureMembers).
// Signals are plain calls that dbus-next turns into messages on the connection's socket
// (an asynchronous write: a slow bus queues in memory, it never blocks the loop); the
// methods answer from what the daemon already holds.
import dbus from 'dbus-next';
import { KILLED_SIGNATURE, PRESSURE_SIGNATURE, WARNING_SIGNATURE, DBUS_INTERFACE } from './names.js';

export interface DaemonFacts {
  /** GetStatus: JSON text (docs/notifications.md shows its shape). */
  status(): Promise<string>;
  /** GetRecentKills(max): JSON array of the latest kill records, newest last. */
  recentKills(max: number): string;
}

type KilledArgs = [number, number, string, string, bigint, string, string, string, boolean, number];
type WarningArgs = [string, bigint, Array<[number, number, string, bigint]>];

export class DaemonInterface extends dbus.interface.Interface {
  constructor(private readonly facts: DaemonFacts) {
    super(DBUS_INTERFACE);
  }

  GetStatus(): Promise<string> {
    return this.facts.status();
  }

  GetRecentKills(max: number): string {
    return this.facts.recentKills(max);
  }

  // Signal bodies return their arguments; dbus-next sends them.
  Killed(...args: KilledArgs): KilledArgs {
    return args;
  }

  Warning(...args: WarningArgs): WarningArgs {
    return args;
  }

  PressureChanged(domain: string, level: string): [string, string] {
    return [domain, level];
  }
}

DaemonInterface.configureMembers({
  methods: {
    GetStatus: { inSignature: '', outSignature: 's' },
    GetRecentKills: { inSignature: 'u', outSignature: 's' },
  },
  signals: {
    Killed: { signature: KILLED_SIGNATURE },
    Warning: { signature: WARNING_SIGNATURE },
    PressureChanged: { signature: PRESSURE_SIGNATURE },
  },
});
