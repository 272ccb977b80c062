// AF_UNIX SOCK_SEQPACKET sockets through libc: Node's net module offers only stream
// sockets, and the lmkd protocol needs one datagram per command plus the sender's
// credentials (SCM_CREDENTIALS) on every message.
//
// Structs are laid out by hand in Buffers (kernel-interfaces §0.1). Pointers inside them
// (msghdr.msg_iov -> iovec.iov_base -> payload) are absolute addresses of Buffers that this
// module keeps referenced. Layouts follow the kernel UAPI for the ABIs reapd supports:
//
//   field                       LP64 (x64, arm64, riscv64)   ILP32 (arm EABI)
//   struct msghdr               56 bytes                     28 bytes
//     msg_name (void *)         @0                           @0
//     msg_namelen (socklen_t)   @8 (+4 padding)              @4
//     msg_iov (iovec *)         @16                          @8
//     msg_iovlen (size_t)       @24                          @12
//     msg_control (void *)      @32                          @16
//     msg_controllen (size_t)   @40                          @20
//     msg_flags (int)           @48 (+4 padding)             @24
//   struct iovec                base @0, len @8 (16 bytes)   base @0, len @4 (8 bytes)
//   struct cmsghdr              len (size_t) @0, level @8,   len @0, level @4, type @8,
//                               type @12, data @16           data @12
//   CMSG_ALIGN                  8                            4
//
// i.e. every offset is a multiple of the pointer size, so one formula serves both (musl's
// 64-bit msghdr stores msg_iovlen/msg_controllen as int + padding; writing a zero-padded
// size_t gives the same bytes on little-endian machines). struct ucred is {pid, uid, gid}
// as three 32-bit ints everywhere. SO_PASSCRED (16) and SO_PEERCRED (17) are the
// asm-generic values used by x86, arm, arm64 and riscv (powerpc uses 20/21: unsupported).
import { endianness } from 'node:os';
import { bufferAddress, check, checkLong, errnoValue, func, type KoffiFunction } from './ffi.js';
import { SyscallError } from './errors.js';
import { close } from './io.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_SEQPACKET = 5;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_PASSCRED = 16;
const SO_PEERCRED = 17;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const MSG_CMSG_CLOEXEC = 0x40000000;

/** sizeof(void *) on this ABI. */
export const POINTER_SIZE = process.arch === 'arm' || process.arch === 'ia32' ? 4 : 8;
const LITTLE_ENDIAN = endianness() === 'LE';
/** sun_path is 108 bytes including the terminating NUL. */
const UNIX_PATH_MAX = 108;

export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}

interface SocketFns {
  socket: KoffiFunction;
  bind: KoffiFunction;
  connect: KoffiFunction;
  listen: KoffiFunction;
  accept4: KoffiFunction;
  setsockopt: KoffiFunction;
  getsockopt: KoffiFunction;
  recvmsg: KoffiFunction;
  recv: KoffiFunction;
  send: KoffiFunction;
}

let fns: SocketFns | undefined;

function b(): SocketFns {
  fns ??= {
    socket: func('int socket(int domain, int type, int protocol)'),
    bind: func('int bind(int fd, const void *addr, unsigned int addrlen)'),
    connect: func('int connect(int fd, const void *addr, unsigned int addrlen)'),
    listen: func('int listen(int fd, int backlog)'),
    accept4: func('int accept4(int fd, void *addr, void *addrlen, int flags)'),
    setsockopt: func('int setsockopt(int fd, int level, int name, const void *value, unsigned int len)'),
    getsockopt: func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    recvmsg: func('long recvmsg(int fd, void *msg, int flags)'),
    recv: func('long recv(int fd, void *buf, unsigned long len, int flags)'),
    send: func('long send(int fd, const void *buf, unsigned long len, int flags)'),
  };
  return fns;
}

function writeWord(buf: Buffer, offset: number, value: bigint | number): void {
  const v = BigInt(value);
  if (POINTER_SIZE === 8) {
    if (LITTLE_ENDIAN) buf.writeBigUInt64LE(v, offset);
    else buf.writeBigUInt64BE(v, offset);
  } else if (LITTLE_ENDIAN) buf.writeUInt32LE(Number(v), offset);
  else buf.writeUInt32BE(Number(v), offset);
}

function readWord(buf: Buffer, offset: number): number {
  if (POINTER_SIZE === 8) return Number(LITTLE_ENDIAN ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset));
  return LITTLE_ENDIAN ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}

function readInt(buf: Buffer, offset: number): number {
  return LITTLE_ENDIAN ? buf.readInt32LE(offset) : buf.readInt32BE(offset);
}

function readUint(buf: Buffer, offset: number): number {
  return LITTLE_ENDIAN ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}

function writeInt(buf: Buffer, offset: number, value: number): void {
  if (LITTLE_ENDIAN) buf.writeInt32LE(value, offset);
  else buf.writeInt32BE(value, offset);
}

const cmsgAlign = (n: number): number => Math.ceil(n / POINTER_SIZE) * POINTER_SIZE;
/** sizeof(struct cmsghdr): len (size_t) + level + type. */
const CMSG_HDR = cmsgAlign(POINTER_SIZE + 8);

/**
 * struct sockaddr_un for a filesystem path, or an abstract name when the path starts
 * with "\0". Throws ENAMETOOLONG (as SyscallError) for paths that do not fit sun_path.
 */
export function sockaddrUn(path: string): { addr: Buffer; length: number } {
  const abstract = path.startsWith('\0');
  const bytes = Buffer.from(path, 'utf8');
  const pathLen = abstract ? bytes.length : bytes.length + 1;
  if (bytes.length === 0 || pathLen > UNIX_PATH_MAX) {
    const e = errnoValue('ENAMETOOLONG');
    throw new SyscallError('sockaddr_un', e, 'ENAMETOOLONG', `socket path must be 1..${UNIX_PATH_MAX - 1} bytes: ${path}`);
  }
  const addr = Buffer.alloc(2 + UNIX_PATH_MAX);
  if (LITTLE_ENDIAN) addr.writeUInt16LE(AF_UNIX, 0);
  else addr.writeUInt16BE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  return { addr, length: 2 + pathLen };
}

/** A non-blocking, close-on-exec AF_UNIX SOCK_SEQPACKET socket. */
export function seqpacketSocket(): number {
  return check('socket', b().socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number);
}

/** A non-blocking, close-on-exec AF_UNIX SOCK_DGRAM socket (the service manager's notify socket). */
export function datagramSocket(): number {
  return check('socket', b().socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number);
}

export function bindUnix(fd: number, path: string): void {
  const { addr, length } = sockaddrUn(path);
  check('bind', b().bind(fd, addr, length) as number);
}

/** connect(2). On a non-blocking unix socket this completes at once or fails (EAGAIN: backlog full). */
export function connectUnix(fd: number, path: string): void {
  const { addr, length } = sockaddrUn(path);
  check('connect', b().connect(fd, addr, length) as number);
}

export function listen(fd: number, backlog: number): void {
  check('listen', b().listen(fd, backlog) as number);
}

/** accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. Throws EAGAIN when nobody is waiting. */
export function accept(fd: number): number {
  return check('accept4', b().accept4(fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC) as number);
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  writeInt(v, 0, value);
  check('setsockopt', b().setsockopt(fd, level, name, v, 4) as number);
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  writeInt(len, 0, 4);
  check('getsockopt', b().getsockopt(fd, level, name, v, len) as number);
  return readInt(v, 0);
}

/** SO_PEERCRED: the credentials the peer had when it called connect() (or socketpair()). */
export function peerCred(fd: number): Ucred {
  const v = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  writeInt(len, 0, 12);
  check('getsockopt', b().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, v, len) as number);
  return { pid: readInt(v, 0), uid: readUint(v, 4), gid: readUint(v, 8) };
}

/** send(2) of one datagram; MSG_NOSIGNAL | MSG_DONTWAIT by default. Throws EAGAIN when the peer's queue is full. */
export function send(fd: number, data: Uint8Array, flags = MSG_NOSIGNAL | MSG_DONTWAIT): number {
  return checkLong('send', b().send(fd, data, data.length, flags));
}

/** recv(2) of one datagram into buf. With MSG_TRUNC the result is the datagram's real length. */
export function recv(fd: number, buf: Uint8Array, flags = MSG_DONTWAIT | MSG_TRUNC): number {
  return checkLong('recv', b().recv(fd, buf, buf.length, flags));
}

export interface ReceivedMessage {
  /** Real length of the datagram (may exceed the buffer: see truncated). 0 with no cred at end of stream. */
  length: number;
  /** The datagram was longer than the buffer; data holds its first bytes only. */
  truncated: boolean;
  /** The payload (a view into the reusable buffer: copy it to keep it). */
  data: Buffer;
  /** SCM_CREDENTIALS of the sender, present when SO_PASSCRED is set on the receiving socket. */
  cred?: Ucred;
  /** File descriptors the peer passed (SCM_RIGHTS); already closed by recvmsgWithCred. */
  closedFds: number;
}

/**
 * A reusable msghdr + iovec + payload + control buffer for recvmsg(2). All four Buffers
 * live as long as this object; the msghdr holds their addresses.
 */
export class MessageBuffer {
  readonly payload: Buffer;
  readonly control: Buffer;
  private readonly iov: Buffer;
  readonly msghdr: Buffer;

  constructor(payloadBytes: number, controlBytes = 128) {
    this.payload = Buffer.alloc(payloadBytes);
    this.control = Buffer.alloc(controlBytes);
    this.iov = Buffer.alloc(2 * POINTER_SIZE);
    writeWord(this.iov, 0, bufferAddress(this.payload));
    writeWord(this.iov, POINTER_SIZE, payloadBytes);
    this.msghdr = Buffer.alloc(7 * POINTER_SIZE);
    this.reset();
  }

  /** recvmsg overwrites msg_controllen and msg_flags: restore them before every call. */
  reset(): void {
    this.msghdr.fill(0);
    writeWord(this.msghdr, 2 * POINTER_SIZE, bufferAddress(this.iov));
    writeWord(this.msghdr, 3 * POINTER_SIZE, 1);
    writeWord(this.msghdr, 4 * POINTER_SIZE, bufferAddress(this.control));
    writeWord(this.msghdr, 5 * POINTER_SIZE, this.control.length);
  }

  get flags(): number {
    return readInt(this.msghdr, 6 * POINTER_SIZE);
  }

  get controlLength(): number {
    return readWord(this.msghdr, 5 * POINTER_SIZE);
  }
}

/** Walk the control messages: credentials out, passed fds closed (we never accept fds). */
function parseControl(mb: MessageBuffer): { cred?: Ucred; closedFds: number } {
  const end = Math.min(mb.controlLength, mb.control.length);
  let offset = 0;
  let cred: Ucred | undefined;
  let closedFds = 0;
  while (offset + CMSG_HDR <= end) {
    const len = readWord(mb.control, offset);
    if (len < CMSG_HDR || offset + len > end) break;
    const level = readInt(mb.control, offset + POINTER_SIZE);
    const type = readInt(mb.control, offset + POINTER_SIZE + 4);
    const data = offset + CMSG_HDR;
    if (level === SOL_SOCKET && type === SCM_CREDENTIALS && len >= CMSG_HDR + 12) {
      cred = { pid: readInt(mb.control, data), uid: readUint(mb.control, data + 4), gid: readUint(mb.control, data + 8) };
    } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let p = data; p + 4 <= offset + len; p += 4) {
        try {
          close(readInt(mb.control, p));
          closedFds++;
        } catch {
          /* already closed */
        }
      }
    }
    offset += cmsgAlign(len);
  }
  return { cred, closedFds };
}

/**
 * recvmsg(2) of one datagram with its ancillary data. Non-blocking (MSG_DONTWAIT);
 * MSG_TRUNC makes the result the datagram's real length so oversized datagrams are seen
 * as such. Throws EAGAIN when nothing is queued.
 */
export function recvmsgWithCred(fd: number, mb: MessageBuffer): ReceivedMessage {
  mb.reset();
  const flags = MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC;
  const length = checkLong('recvmsg', b().recvmsg(fd, mb.msghdr, flags));
  const { cred, closedFds } = parseControl(mb);
  const truncated = (mb.flags & MSG_TRUNC) !== 0 || length > mb.payload.length;
  const data = mb.payload.subarray(0, Math.min(length, mb.payload.length));
  return cred ? { length, truncated, data, cred, closedFds } : { length, truncated, data, closedFds };
}
