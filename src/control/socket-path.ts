// The listening socket's path: parent directory created, a stale socket left by a crashed
// server removed, a live one (or anything that is not a socket) left alone.
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { connectUnix, seqpacketSocket } from '../kernel/sys/socket.js';
import { close } from '../kernel/sys/io.js';
import { errorCode } from '../kernel/sys/errors.js';
import { ControlError } from './errors.js';

export const DEFAULT_SOCKET_PATH = '/run/reapd/lmkd.sock';

/** Does a server answer on this path? (connect succeeds, or the backlog is full: EAGAIN) */
function serverAnswers(path: string): boolean {
  const fd = seqpacketSocket();
  try {
    connectUnix(fd, path);
    return true;
  } catch (e) {
    return errorCode(e) === 'EAGAIN';
  } finally {
    close(fd);
  }
}

export function prepareSocketPath(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    throw e;
  }
  if (!isSocket) throw new ControlError('not-a-socket', `${path} exists and is not a socket; not removing it`);
  if (serverAnswers(path)) throw new ControlError('socket-in-use', `another server is listening on ${path}`);
  unlinkSync(path); // stale: left behind by a server that did not close
}
