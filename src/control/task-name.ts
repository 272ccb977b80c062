// The process name lmkd puts in LMK_STAT_KILL_OCCURRED: not the 15-byte comm
// ("osptest.adj1000") but the name from /proc/PID/cmdline, as lmkd's proc_get_name()
// takes it: argv[0] up to its NUL, cut at the first space, at most 127 bytes
// ("com.reapd.aosptest.adj1000"). Android logs it to statsd. It must be read before the
// kill: afterwards /proc/PID/cmdline is empty or gone.
import { closeSync, openSync, readSync } from 'node:fs';
import { lmkdTaskName, MAX_TASKNAME_BYTES } from '../model/task-name.js';

export { lmkdTaskName } from '../model/task-name.js';

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
