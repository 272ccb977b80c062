// Coded errors of the control socket (server start, client connect, replies).
type ControlErrorCode =
  | 'socket-in-use' // another server answers on the path
  | 'not-a-socket' // the path exists and is not a socket: never removed
  | 'socket-setup' // socket/bind/listen/chmod failed (detail in the message)
  | 'connect-failed' // no server at the path, or it refused us
  | 'closed' // the connection is closed (by us or by the server)
  | 'timeout' // no reply within the timeout
  | 'bad-argument'; // a client argument that the protocol cannot carry

export class ControlError extends Error {
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
