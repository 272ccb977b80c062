// Reasons to skip a test on a machine that lacks a feature. Tests pass the string to
// node:test's `skip` option, so the reason is printed — never a silent skip.
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export function needRoot(): string | undefined {
  return process.getuid?.() === 0 ? undefined : 'needs root (creates cgroups, writes oom_score_adj)';
}

export function needCgroupV1(controller: 'memory' | 'freezer'): string | undefined {
  const dir = `/sys/fs/cgroup/${controller}`;
  if (!existsSync(`${dir}/cgroup.procs`)) return `cgroup v1 ${controller} controller not mounted at ${dir}`;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `no write access to ${dir}`;
  }
  return undefined;
}

export const CGROUP2_ROOT = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';

export function needCgroup2(): string | undefined {
  return existsSync(`${CGROUP2_ROOT}/cgroup.procs`) && existsSync(`${CGROUP2_ROOT}/cgroup.subtree_control`)
    ? undefined
    : 'no cgroup2 hierarchy found';
}

export function needPsi(): string | undefined {
  return existsSync('/proc/pressure/memory') ? undefined : 'PSI is off (/proc/pressure missing; boot with psi=1)';
}

export function needCc(): string | undefined {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no C compiler (cc) on this machine';
  }
}

export function needUnshareUser(): string | undefined {
  try {
    execFileSync('unshare', ['-U', '-r', 'true'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'unshare -U -r is not permitted here';
  }
}

/** True when this process may lower oom_score_adj (CAP_SYS_RESOURCE). */
export function hasCapSysResource(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && ((BigInt(`0x${m[1] ?? '0'}`) >> 24n) & 1n) === 1n;
}

/** A pid namespace's next pid can be chosen (ns_last_pid): what forcing pid reuse needs. */
export function needSetLastPid(): string | undefined {
  try {
    writeFileSync('/proc/sys/kernel/ns_last_pid', readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    return undefined;
  } catch (e) {
    return `cannot write /proc/sys/kernel/ns_last_pid (${(e as Error).message}): pid reuse cannot be forced`;
  }
}

export function firstReason(...reasons: Array<string | undefined>): string | undefined {
  return reasons.find((r) => r !== undefined);
}
