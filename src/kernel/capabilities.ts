// What this machine offers reapd, probed once at start (DESIGN.md example 11) and passed
// around as plain data: logged by the daemon, printed by `reapd doctor`.

/**
 * PSI trigger privilege: "privileged" accepts any window from 1 µs to 10 s (the opener has
 * CAP_SYS_RESOURCE); "unprivileged" accepts only multiples of 2 s, and events arrive
 * 0–2 s late; "unavailable" when PSI is off or the file cannot be written.
 */
export type PsiTriggerMode = 'privileged' | 'unprivileged' | 'unavailable';

export interface Capabilities {
  kernel: {
    /** uname -r */
    release: string;
    /** Node's process.arch (x64, arm64, arm, riscv64 …). */
    arch: string;
    pageSizeBytes: number;
    /** USER_HZ: the unit of stat's starttime. */
    clockTicksPerSecond: number;
  };
  runtime: { node: string; koffi: string };
  psi: {
    /** /proc/pressure/memory exists (CONFIG_PSI and not psi=0). */
    present: boolean;
    triggers: PsiTriggerMode;
    /** What the probe saw, e.g. "500 ms window: EINVAL; 2 s window: accepted". */
    detail: string;
  };
  cgroup: {
    /** Mount point of the v1 memory controller, from /proc/self/mountinfo; null: none. */
    v1Memory: string | null;
    v1Freezer: string | null;
    /** Mount point of the cgroup2 hierarchy (hybrid hosts: often /sys/fs/cgroup/unified). */
    v2Root: string | null;
    /** cgroup2 root's cgroup.controllers. */
    v2Controllers: string[];
    /** The memory controller is available on cgroup2 (memory.current, memory.max …). */
    v2Memory: boolean;
    /** cgroup.kill (5.14+) and cgroup.freeze (5.2+) exist in cgroup2 groups. */
    v2Kill: boolean;
    v2Freeze: boolean;
  };
  pidfd: {
    /** pidfd_open(2) on this process worked. */
    open: boolean;
    /** pidfd_send_signal(2) with signal 0 worked. */
    sendSignal: boolean;
    /** process_mrelease(2) exists: EINVAL on a live process, ENOSYS where missing. */
    processMrelease: boolean;
    detail: string;
  };
  /** Effective capabilities of this process (/proc/self/status CapEff). */
  privileges: {
    capEff: string;
    sysResource: boolean;
    kill: boolean;
    sysNice: boolean;
    ipcLock: boolean;
  };
  /** RLIMIT_NOFILE: bounds how many /proc fds the scanner keeps open. */
  openFiles: { soft: number; hard: number } | null;
  /** Swap configured (SwapTotal > 0): processes' swapKiB matters. */
  swapTotalKiB: number | null;
}

// capability(7) bit numbers.
export const CAP_KILL = 5;
export const CAP_IPC_LOCK = 14;
export const CAP_SYS_NICE = 23;
export const CAP_SYS_RESOURCE = 24;
