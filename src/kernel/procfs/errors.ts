// Coded errors of the procfs/cgroupfs readers (a vanished process is never one of them).
type ProcfsErrorCode =
  /** The --memcg path does not exist or is not a cgroup directory. */
  | 'REAPD_MEMCG_NOT_FOUND'
  /** The cgroup exists but has no memory accounting (cgroup2 without the memory controller). */
  | 'REAPD_MEMCG_NO_MEMORY'
  /** /proc/meminfo (or the procRoot) could not be read or parsed. */
  | 'REAPD_MEMINFO_UNREADABLE';

export class ProcfsError extends Error {
  readonly code: ProcfsErrorCode;

  constructor(code: ProcfsErrorCode, message: string) {
    super(message);
    this.name = 'ProcfsError';
    this.code = code;
  }
}
