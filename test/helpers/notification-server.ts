// A stub desktop notification server for tests: owns org.freedesktop.Notifications on a
// (private) bus with dbus-next and records every Notify call, in order. The bus must let
// it own the name and be called: startTestBus({ extraPolicy: NOTIFICATIONS_POLICY }).
import dbus from 'dbus-next';

export const NOTIFICATIONS_POLICY = '<policy context="default"><allow own="org.freedesktop.Notifications"/><allow send_destination="org.freedesktop.Notifications"/></policy>';

export interface NotifyCall {
  appName: string;
  icon: string;
  summary: string;
  body: string;
  urgency: number | undefined;
  expireTimeout: number;
}

class StubNotifications extends dbus.interface.Interface {
  readonly calls: NotifyCall[] = [];
  private nextId = 1;

  constructor() {
    super('org.freedesktop.Notifications');
  }

  Notify(appName: string, _replaces: number, icon: string, summary: string, body: string, _actions: string[], hints: Record<string, dbus.Variant>, expireTimeout: number): number {
    this.calls.push({ appName, icon, summary, body, urgency: hints.urgency?.value as number | undefined, expireTimeout });
    return this.nextId++;
  }

  GetCapabilities(): string[] {
    return ['body'];
  }

  GetServerInformation(): [string, string, string, string] {
    return ['reapd-test-stub', 'reapd', '1', '1.2'];
  }

  CloseNotification(_id: number): void {
    /* nothing is on screen */
  }
}

StubNotifications.configureMembers({
  methods: {
    Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
    GetCapabilities: { inSignature: '', outSignature: 'as' },
    GetServerInformation: { inSignature: '', outSignature: 'ssss' },
    CloseNotification: { inSignature: 'u', outSignature: '' },
  },
});

export interface NotificationStub {
  calls: NotifyCall[];
  close(): void;
}

export async function startNotificationStub(address: string): Promise<NotificationStub> {
  const bus = dbus.sessionBus({ busAddress: address });
  const iface = new StubNotifications();
  bus.export('/org/freedesktop/Notifications', iface);
  const reply = await bus.requestName('org.freedesktop.Notifications', dbus.NameFlag.DO_NOT_QUEUE);
  if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) {
    bus.disconnect();
    throw new Error(`the stub could not own org.freedesktop.Notifications (reply ${reply})`);
  }
  return { calls: iface.calls, close: () => bus.disconnect() };
}
