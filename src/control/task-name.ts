// The process name lmkd puts in LMK_STAT_KILL_OCCURRED: not the 15-byte comm
// ("osptest.adj1000") but the name from /proc/PID/cmdline, as lmkd's proc_get_name()
// takes it: argv[0] up to its NUL, cut at the first space, at most 127 bytes
// ("com.reapd.aosptest.adj1000"). Android logs it to statsd. It must be read before the
// kill: afterwards /proc/PID/cmdline is empty or gone.
import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_TASKNAME_BYTES } from './protocol.js';

/** lmkd's name from raw cmdline bytes; undefined when argv[0] is empty (kernel threads, zombies). */
export function lmkdTaskName(cmdline: Uint8Array): string | undefined {
  let end = cmdline.indexOf(0);
  if (end < 0) end = cmdline.length;
  const space = cmdline.subarray(0, end).indexOf(0x20);
  if (space >= 0) end = space;
  end = Math.min(end, MAX_TASKNAME_BYTES);
  // Do not split a UTF-8 character at the byte limit.
  while (end > 0 && end < cmdline.length && ((cmdline[end] as number) & 0xc0) === 0x80) end--;
  return end > 0 ? new TextDecoder().decode(cmdline.subarray(0, end)) : undefined;
}

/** Read /proc/PID/cmdline's first bytes (enough for a 127-byte name) and take lmkd's name from them. */
export function readLmkdTaskName(pid: number, procRoot = '/proc'): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`${procRoot}/${pid}/cmdline`, 'r');
    const buf = Buffer.alloc(MAX_TASKNAME_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return lmkdTaskName(buf.subarray(0, n));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
