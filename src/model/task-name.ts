// lmkd's name for a process (its proc_get_name()): argv[0] from /proc/PID/cmdline up to its
// NUL, cut at the first space, at most 127 bytes — "com.reapd.aosptest.adj1000", not the
// 15-byte comm. LMK_STAT_KILL_OCCURRED carries it (docs/control-socket.md). This form works
// on the scan's cmdline, whose NULs are already spaces: argv[0] ends at the first space
// either way. src/control/task-name.ts reads the raw bytes for a registration.

/** lmkd's MAX_TASKNAME_LEN is 128 including the NUL. */
export const MAX_TASKNAME_BYTES = 127;

/** The name from raw cmdline bytes; undefined when argv[0] is empty (kernel threads, zombies). */
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

/** The same from the scan's cmdline text (ProcessInfo.cmdline: arguments joined by spaces). */
export function lmkdTaskNameOf(cmdline: string | undefined): string | undefined {
  return cmdline === undefined ? undefined : lmkdTaskName(new TextEncoder().encode(cmdline));
}
