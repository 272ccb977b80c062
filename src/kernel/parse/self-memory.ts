// Parsers for what reapd reports about its own memory: page faults from /proc/PID/stat
// and the file-backed (code) pages from /proc/PID/smaps — how much is resident, how much
// of that is locked. Real input (node, after mlock2(MLOCK_ONFAULT) of its binary):
//   5603c4a00000-5603c6b1d000 r-xp 00a00000 fe:00 1311     /usr/bin/node
//   Rss:               20480 kB
//   Locked:            20480 kB
//   VmFlags: rd ex mr mw me lo lf sd
// "lo" is VM_LOCKED and "lf" VM_LOCKONFAULT (fs/proc/task_mmu.c, show_smap_vma_flags).

interface StatFaults {
  /** Field 10, minflt: faults served without I/O. */
  minorFaults: number;
  /** Field 12, majflt: faults that had to read a page back (from swap or a file). */
  majorFaults: number;
}

/** minflt and majflt of /proc/PID/stat. Total: undefined when the line has no shape. */
export function parseStatFaults(text: string): StatFaults | undefined {
  if (typeof text !== 'string') return undefined;
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After "comm) ": state(3) ppid pgrp session tty_nr tpgid flags minflt(10) cminflt majflt(12).
  const fields = text.slice(close + 2).split(' ');
  const minor = Number(fields[7]);
  const major = Number(fields[9]);
  if (!Number.isSafeInteger(minor) || !Number.isSafeInteger(major) || fields[7] === '' || fields[9] === '') return undefined;
  return { minorFaults: minor, majorFaults: major };
}

export interface FileBackedPages {
  /** File-backed mappings (a path, a non-zero inode). */
  mappings: number;
  /** Of them, VM_LOCKED ("lo"). */
  lockedMappings: number;
  /** With VM_LOCKONFAULT ("lf"): locked as they fault in. */
  onFaultMappings: number;
  residentKiB: number;
  lockedKiB: number;
  /** Resident pages of VM_LOCKED mappings: each is locked once resident. */
  residentInLockedKiB: number;
}

const HEADER_RE = /^[0-9a-f]+-[0-9a-f]+ \S{4} \S+ \S+ (\d+) *(.*)$/;

/** Sum the file-backed mappings of /proc/PID/smaps. Total: zeros for empty input. */
export function parseSmapsFilePages(text: string): FileBackedPages {
  const out: FileBackedPages = { mappings: 0, lockedMappings: 0, onFaultMappings: 0, residentKiB: 0, lockedKiB: 0, residentInLockedKiB: 0 };
  if (typeof text !== 'string') return out;
  let inFile = false;
  let rss = 0;
  for (const line of text.split('\n')) {
    const h = HEADER_RE.exec(line);
    if (h) {
      const path = h[2] ?? '';
      inFile = h[1] !== '0' && path.startsWith('/') && !path.endsWith(' (deleted)');
      if (inFile) out.mappings++;
      rss = 0;
      continue;
    }
    if (!inFile) continue;
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'Rss') {
      rss = Number.parseInt(value, 10) || 0;
      out.residentKiB += rss;
    } else if (key === 'Locked') {
      out.lockedKiB += Number.parseInt(value, 10) || 0;
    } else if (key === 'VmFlags') {
      const flags = value.split(' ');
      if (flags.includes('lo')) {
        out.lockedMappings++;
        out.residentInLockedKiB += rss;
      }
      if (flags.includes('lf')) out.onFaultMappings++;
    }
  }
  return out;
}
