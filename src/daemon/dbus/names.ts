// The names reapd uses on D-Bus (docs/notifications.md, "D-Bus"), in one place: the
// daemon's service, `reapd notify`, the bus policy file (contrib/dbus/io.reapd.Daemon1.conf)
// and the tests all take them from here.
export const DBUS_NAME = 'io.reapd.Daemon1';
export const DBUS_PATH = '/io/reapd/Daemon1';
export const DBUS_INTERFACE = 'io.reapd.Daemon1';

/** Killed(pid, uid, name, scope, sizeKiB, reason, policy, domain, reaped, reapMs): reapMs -1 when unknown. */
export const KILLED_SIGNATURE = 'uusstsssbd';
/** Warning(domain, headroomKiB, next: [(pid, uid, name, sizeKiB)]). */
export const WARNING_SIGNATURE = 'sxa(uust)';
/** PressureChanged(domain, level): "ok", "warning" or "critical". */
export const PRESSURE_SIGNATURE = 'ss';

export type PressureLevel = 'ok' | 'warning' | 'critical';
