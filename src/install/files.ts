// What `reapd install` puts where, and what `reapd uninstall` takes away: the systemd
// unit (ExecStart rewritten to this installation's node and entry point), the default
// configuration (never over an existing one), the D-Bus policy and the man pages. Every path sits under
// `root` ("/" for the real system, a scratch directory for packagers and tests).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manPages, renderManPageFile } from '../manpage/pages.js';

/** dist/src/install/files.js -> the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY_POINT = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

const UNIT_PATH = 'etc/systemd/system/reapd.service';
/** The administrator's user units (beside etc/systemd/system; /usr/lib/systemd/user belongs to packages). */
const NOTIFY_UNIT_PATH = 'etc/systemd/user/reapd-notify.service';
const SLICE_PATH = 'etc/systemd/system/reapd.slice';
const CONFIG_PATH = 'etc/reapd/reapd.toml';
const MAN_DIR = 'usr/local/share/man';
/** The administrator's D-Bus policy directory (dbus-daemon also reads /usr/share/dbus-1/system.d, which belongs to packages). */
const DBUS_POLICY_PATH = 'etc/dbus-1/system.d/io.reapd.Daemon1.conf';

interface InstallFile {
  /** relative to the root */
  path: string;
  content: string;
  /** a file the user may have edited: never overwritten, removed only with --purge */
  userEdits: boolean;
}

/** A unit's ExecStart ("ExecStart=/usr/local/bin/reapd COMMAND…") names this node binary and this package's entry point. */
function unitText(node = process.execPath, entry = ENTRY_POINT, unit = 'reapd.service', command = 'run'): string {
  const template = readFileSync(join(PACKAGE_ROOT, 'contrib', 'systemd', unit), 'utf8');
  const line = new RegExp(`^ExecStart=\\S+ ${command}\\b`, 'm');
  if (!line.test(template)) throw new Error(`contrib/systemd/${unit} has no "ExecStart=… ${command}" line`);
  return template.replace(line, `ExecStart=${node} ${entry} ${command}`);
}

function installFiles(): InstallFile[] {
  return [
    { path: UNIT_PATH, content: unitText(), userEdits: false },
    { path: NOTIFY_UNIT_PATH, content: unitText(undefined, undefined, 'reapd-notify.service', 'notify'), userEdits: false },
    { path: SLICE_PATH, content: readFileSync(join(PACKAGE_ROOT, 'contrib', 'systemd', 'reapd.slice'), 'utf8'), userEdits: false },
    { path: CONFIG_PATH, content: readFileSync(join(PACKAGE_ROOT, 'config', 'default.toml'), 'utf8'), userEdits: true },
    // Lets the daemon own io.reapd.Daemon1 on the system bus (docs/notifications.md).
    { path: DBUS_POLICY_PATH, content: readFileSync(join(PACKAGE_ROOT, 'contrib', 'dbus', 'io.reapd.Daemon1.conf'), 'utf8'), userEdits: false },
    ...manPages().map((f) => ({ path: `${MAN_DIR}/man${f.page.section}/${f.file}`, content: renderManPageFile(f), userEdits: false })),
  ];
}

export interface Step {
  path: string;
  action: 'wrote' | 'kept' | 'removed' | 'absent';
  why?: string;
}

export function install(root: string, dryRun = false): Step[] {
  return installFiles().map((f) => {
    const full = join(root, f.path);
    if (f.userEdits && existsSync(full)) {
      const same = readFileSync(full, 'utf8') === f.content;
      return { path: full, action: 'kept', why: same ? 'already the default' : 'edited: left as it is' };
    }
    if (!dryRun) {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, f.content, { mode: 0o644 });
    }
    return { path: full, action: 'wrote' };
  });
}

export function uninstall(root: string, purge: boolean, dryRun = false): Step[] {
  return installFiles().map((f) => {
    const full = join(root, f.path);
    if (!existsSync(full)) return { path: full, action: 'absent' };
    if (f.userEdits && !purge) {
      const same = readFileSync(full, 'utf8') === f.content;
      if (!same) return { path: full, action: 'kept', why: 'edited (--purge removes it)' };
    }
    if (!dryRun) rmSync(full);
    return { path: full, action: 'removed' };
  });
}
