// The capability probe: one pass over the kernel interfaces reapd uses, returning plain
// data (src/kernel/capabilities.ts). Every probe is read-only or self-undoing: the PSI
// trigger is created on a fresh fd and destroyed by closing it; the pidfd is our own.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import {
  CAP_IPC_LOCK, CAP_KILL, CAP_SYS_NICE, CAP_SYS_RESOURCE, type Capabilities, type PsiTriggerMode,
} from './capabilities.js';
import { parseProcCgroup } from './parse/cgroup.js';
import { parseMeminfoFields } from './parse/meminfo.js';
import { parseMountinfo, type Mount } from './parse/mountinfo.js';
import { parseProcStatus } from './parse/status.js';
import { readOpenFilesLimit } from './procfs/limits.js';
import { errorCode } from './sys/errors.js';
import { close } from './sys/io.js';
import { koffiVersion } from './sys/ffi.js';
import { pidfdOpen, pidfdSendSignal, processMrelease } from './sys/process.js';
import { clockTicksPerSecond, pageSizeBytes } from './sys/sysconf.js';

const PSI_MEMORY = '/proc/pressure/memory';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Write one trigger on a fresh fd and close it (closing destroys the trigger). */
function tryTrigger(trigger: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(PSI_MEMORY, 'r+');
    // The kernel drops the last byte written: end with NUL (kernel-interfaces §1.1).
    writeSync(fd, `${trigger}\0`);
    return undefined;
  } catch (e) {
    return errorCode(e) ?? String(e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function probePsi(): Capabilities['psi'] {
  if (!existsSync(PSI_MEMORY)) {
    return { present: false, triggers: 'unavailable', detail: `${PSI_MEMORY} missing (kernel without PSI, or booted with psi=0)` };
  }
  // A 500 ms window is accepted only with CAP_SYS_RESOURCE; unprivileged openers get 2 s multiples.
  const sub2s = tryTrigger('some 10000 500000');
  if (sub2s === undefined) return { present: true, triggers: 'privileged', detail: '500 ms window: accepted' };
  const twoS = tryTrigger('some 100000 2000000');
  const triggers: PsiTriggerMode = twoS === undefined ? 'unprivileged' : 'unavailable';
  return { present: true, triggers, detail: `500 ms window: ${sub2s}; 2 s window: ${twoS ?? 'accepted'}` };
}

/** A cgroup2 group to look for cgroup.kill/cgroup.freeze in: the root has neither file. */
function v2Group(root: string): string | undefined {
  const own = parseProcCgroup(readText('/proc/self/cgroup') ?? '')?.v2;
  if (own && own !== '/' && existsSync(join(root, own, 'cgroup.procs'))) return join(root, own);
  try {
    const sub = readdirSync(root, { withFileTypes: true }).find((d) => d.isDirectory());
    return sub ? join(root, sub.name) : undefined;
  } catch {
    return undefined;
  }
}

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function probeCgroups(mounts: Mount[]): Capabilities['cgroup'] {
  const v1 = (ctrl: string): string | null =>
    mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(ctrl))?.mountPoint ?? null;
  const v2Root = mounts.find((m) => m.fsType === 'cgroup2')?.mountPoint ?? null;
  const controllers = v2Root ? (readText(join(v2Root, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean) : [];
  const group = v2Root ? v2Group(v2Root) : undefined;
  const has = (file: string, major: number, minor: number): boolean =>
    v2Root !== null && (group ? existsSync(join(group, file)) : kernelAtLeast(major, minor));
  return {
    v1Memory: v1('memory'),
    v1Freezer: v1('freezer'),
    v2Root,
    v2Controllers: controllers,
    v2Memory: controllers.includes('memory'),
    v2Kill: has('cgroup.kill', 5, 14),
    v2Freeze: has('cgroup.freeze', 5, 2),
  };
}

function probePidfd(): Capabilities['pidfd'] {
  let fd: number;
  try {
    fd = pidfdOpen(process.pid);
  } catch (e) {
    return { open: false, sendSignal: false, processMrelease: false, detail: `pidfd_open: ${errorCode(e) ?? String(e)}` };
  }
  try {
    let sendSignal = true;
    try {
      pidfdSendSignal(fd, 0);
    } catch {
      sendSignal = false;
    }
    // On a live process the syscall refuses with EINVAL ("not dying"): that proves it exists.
    let mrelease: string;
    try {
      processMrelease(fd);
      mrelease = 'returned 0';
    } catch (e) {
      mrelease = errorCode(e) ?? String(e);
    }
    const exists = mrelease === 'EINVAL' || mrelease === 'returned 0';
    return { open: true, sendSignal, processMrelease: exists, detail: `process_mrelease on a live process: ${mrelease}` };
  } finally {
    close(fd);
  }
}

function probePrivileges(): Capabilities['privileges'] {
  const capEff = parseProcStatus(readText('/proc/self/status') ?? '')?.capEff ?? 0n;
  const has = (bit: number): boolean => ((capEff >> BigInt(bit)) & 1n) === 1n;
  return {
    capEff: capEff.toString(16).padStart(16, '0'),
    sysResource: has(CAP_SYS_RESOURCE),
    kill: has(CAP_KILL),
    sysNice: has(CAP_SYS_NICE),
    ipcLock: has(CAP_IPC_LOCK),
  };
}

/** Probe everything once. Never throws: a missing interface is a "no", with the reason. */
export function probeCapabilities(): Capabilities {
  const mounts = parseMountinfo(readText('/proc/self/mountinfo') ?? '');
  const swap = parseMeminfoFields(readText('/proc/meminfo') ?? '').get('SwapTotal');
  return {
    kernel: { release: release(), arch: process.arch, pageSizeBytes: pageSizeBytes(), clockTicksPerSecond: clockTicksPerSecond() },
    runtime: { node: process.version, koffi: koffiVersion },
    psi: probePsi(),
    cgroup: probeCgroups(mounts),
    pidfd: probePidfd(),
    privileges: probePrivileges(),
    openFiles: readOpenFilesLimit() ?? null,
    swapTotalKiB: swap ?? null,
  };
}
