// Writing log lines straight to an fd, synchronously: the watchdog thread logs to the
// daemon's stdout fd, and its lines must get out while the main loop (which owns
// process.stdout) is stalled.
import { writeSync } from 'node:fs';

export function writeLineToFd(fd: number, line: string): void {
  writeSync(fd, line);
}
