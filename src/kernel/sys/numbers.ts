// Syscall numbers for the calls glibc may lack a wrapper for.
// Sources (shared/spec/kernel-interfaces.md §3.1): arch/x86/entry/syscalls/syscall_64.tbl,
// arch/arm/tools/syscall.tbl (EABI, base 0), include/uapi/asm-generic/unistd.h (aarch64,
// riscv64). Since 5.1 numbers >= 424 are common to every architecture we support.

type Arch = 'x64' | 'arm64' | 'arm' | 'riscv64';

interface SyscallNumbers {
  pidfd_send_signal: number;
  pidfd_open: number;
  process_mrelease: number;
  kcmp: number;
  gettid: number;
}

const common = { pidfd_send_signal: 424, pidfd_open: 434, process_mrelease: 448 } as const;

export const SYSCALL_NUMBERS: Readonly<Record<Arch, SyscallNumbers>> = {
  x64: { ...common, kcmp: 312, gettid: 186 },
  arm64: { ...common, kcmp: 272, gettid: 178 },
  arm: { ...common, kcmp: 378, gettid: 224 },
  riscv64: { ...common, kcmp: 272, gettid: 178 },
};

export function syscallNumbers(arch: string = process.arch): SyscallNumbers | undefined {
  return SYSCALL_NUMBERS[arch as Arch];
}
