// reapd's own memory as the kernel sees it, for the start log, `reapd doctor` and the
// swap warning: VmSwap, page faults, and how much of its code is resident and locked.
// `SwapWatch` reads VmSwap and majflt at events through two held fds into one reused
// buffer (no per-read allocation beyond the numbers), so checking costs a few µs.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { parseMeminfoFields } from '../parse/meminfo.js';
import { parseProcStatus } from '../parse/status.js';
import { parseSmapsFilePages, parseStatFaults, type FileBackedPages } from '../parse/self-memory.js';

export interface OwnMemory {
  pid: number;
  vmSwapKiB: number;
  vmLckKiB: number;
  rssAnonKiB: number;
  rssFileKiB: number;
  minorFaults: number;
  majorFaults: number;
  /** From smaps (undefined when it could not be read: another user's process without ptrace access). */
  filePages?: FileBackedPages;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** SwapTotal of /proc/meminfo (0 when there is no swap or the file is unreadable). */
export function readSwapTotalKiB(): number {
  return parseMeminfoFields(readText('/proc/meminfo') ?? '').get('SwapTotal') ?? 0;
}

/** Read a process's memory figures; undefined when it is gone. */
export function readOwnMemory(pid: number | 'self' = 'self', withSmaps = true): OwnMemory | undefined {
  const status = parseProcStatus(readText(`/proc/${pid}/status`) ?? '');
  const faults = parseStatFaults(readText(`/proc/${pid}/stat`) ?? '');
  if (!status || !faults) return undefined;
  const out: OwnMemory = {
    pid: status.tgid ?? (pid === 'self' ? process.pid : pid),
    vmSwapKiB: status.vmSwapKiB ?? 0,
    vmLckKiB: status.vmLckKiB ?? 0,
    rssAnonKiB: status.rssAnonKiB ?? 0,
    rssFileKiB: status.rssFileKiB ?? 0,
    ...faults,
  };
  if (withSmaps) {
    const smaps = readText(`/proc/${pid}/smaps`);
    if (smaps !== undefined) out.filePages = parseSmapsFilePages(smaps);
  }
  return out;
}

const VMSWAP = Buffer.from('\nVmSwap:');

/** The decimal number after `at` (spaces/tabs skipped); -1 when none. */
function numberAt(buf: Buffer, at: number, end: number): number {
  let i = at;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let n = -1;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    n = (n < 0 ? 0 : n * 10) + (c - 0x30);
  }
  return n;
}

/** VmSwap and majflt of this process, re-read through held fds. */
export class SwapWatch {
  private readonly statusFd: number;
  private readonly statFd: number;
  private readonly buf = Buffer.alloc(4096);

  constructor(pid: number | 'self' = 'self') {
    this.statusFd = openSync(`/proc/${pid}/status`, 'r');
    this.statFd = openSync(`/proc/${pid}/stat`, 'r');
  }

  /** VmSwap in KiB (-1 when the line is missing). */
  vmSwapKiB(): number {
    const n = readSync(this.statusFd, this.buf, 0, this.buf.length, 0);
    const at = this.buf.subarray(0, n).indexOf(VMSWAP);
    return at < 0 ? -1 : numberAt(this.buf, at + VMSWAP.length, n);
  }

  /** majflt (field 12 of stat): count 10 spaces after the last ')'. */
  majorFaults(): number {
    const n = readSync(this.statFd, this.buf, 0, this.buf.length, 0);
    let i = this.buf.subarray(0, n).lastIndexOf(0x29);
    if (i < 0) return -1;
    for (let spaces = 0; i < n && spaces < 10; i++) if (this.buf[i] === 0x20) spaces++;
    return numberAt(this.buf, i, n);
  }

  close(): void {
    closeSync(this.statusFd);
    closeSync(this.statFd);
  }
}
