// The host side of the VM test tier: boot one guest (test/vm/vm-run.sh) per call, run
// several named checks in it one after another, and hand each check's stdout, stderr and
// exit status back separately. A boot costs ~7 s and a node start inside ~0.3 s (TCG,
// ~20× slower than native for node work), so a test file boots once or twice and puts
// all its checks in those boots.
//
// The checks are bash scripts. They run as root in the guest's root cgroup with every
// capability, on cgroup2 only with +memory, PSI and (unless zram: 0) a zram swap, in the
// repository root (the host's dist/ and node_modules are visible read-only under a RAM
// overlay). Host-side test code asserts on what they print; no timing assertion belongs
// in a check (TCG timing says nothing about a real host).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

export const VM_RUN = join(REPO_ROOT, 'test', 'vm', 'vm-run.sh');

export interface VmCheck {
  name: string;
  /** bash script, run with `bash -c` in the repository root. */
  script: string;
  /** killed (SIGKILL, rc 137) after this many seconds; default 120. */
  timeoutS?: number;
}

export interface VmCheckResult {
  name: string;
  rc: number;
  stdout: string;
  stderr: string;
}

export interface VmOptions {
  /** zram swap size in the guest ("1G"), 0 for a guest without swap; default "1G". */
  zram?: string | 0;
  /** guest RAM; default 1536M. */
  memory?: string;
}

export interface VmBoot {
  /** the guest runner's own status: 0 unless the VM failed (125). */
  rc: number;
  checks: Map<string, VmCheckResult>;
  /** the runner's stderr: vm-run.sh messages, the guest console when a boot failed. */
  stderr: string;
}

let unavailable: string | null | undefined;

/**
 * Why the VM tier cannot run here (undefined: it can). Checked once per process: root,
 * the host packages, then `vm-run.sh --prepare` (fetches the kernel from Debian's archive
 * once, then cached). REAPD_VM=0 turns the tier off; REAPD_VM=require (CI) makes an
 * unavailable tier an error instead of a skip.
 */
export function vmUnavailable(): string | undefined {
  if (unavailable === undefined) unavailable = probeVm() ?? null;
  if (unavailable !== null && process.env['REAPD_VM'] === 'require') {
    throw new Error(`REAPD_VM=require but the VM tier cannot run: ${unavailable}`);
  }
  return unavailable ?? undefined;
}

function probeVm(): string | undefined {
  if (process.env['REAPD_VM'] === '0') return 'VM tier turned off (REAPD_VM=0)';
  try {
    execFileSync(VM_RUN, ['--prepare'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    return undefined;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? '').trim().split('\n').filter((l) => l.length > 0).pop();
    return `VM tier unavailable: ${why ?? err.message}`;
  }
}

/** Boot one guest and run `checks` in it, in order; a failing check does not stop the rest. */
export async function runInVm(checks: readonly VmCheck[], options: VmOptions = {}): Promise<VmBoot> {
  const names = new Set(checks.map((c) => c.name));
  if (names.size !== checks.length) throw new Error('runInVm: check names must be unique');
  const dir = mkdtempSync(join(tmpdir(), 'reapd-vm-checks-'));
  const guestS = checks.reduce((s, c) => s + (c.timeoutS ?? 120), 0) + 120;
  try {
    checks.forEach((c, i) => writeFileSync(join(dir, `${i}.sh`), c.script));
    writeFileSync(join(dir, 'runner.sh'), runnerScript(checks, dir));
    const env = { ...process.env, REAPD_VM_ZRAM: String(options.zram ?? '1G'), REAPD_VM_MEM: options.memory ?? '1536M',
      REAPD_VM_TIMEOUT: String(guestS) };
    let run = await execVm(`bash ${dir}/runner.sh`, env, guestS);
    if (run.rc === 125 && guestKernelCrashed(run.stderr)) {
      // The guest kernel oopsed before the checks could report (seen twice on 4 Dec 2026: an
      // int3 trap while the kernel patched its own code, under TCG's multi-threaded
      // emulation). Nothing of ours ran to the end: boot once more, and say so.
      process.stderr.write(`VM tier: the guest kernel crashed (${/Oops:[^\n]*/.exec(run.stderr)?.[0] ?? 'Oops'}); booting once more\n`);
      run = await execVm(`bash ${dir}/runner.sh`, env, guestS);
    }
    const { rc, stdout, stderr } = run;
    if (rc !== 0) throw new Error(`the VM failed (vm-run.sh exit ${rc}):\n${stderr.slice(-6000)}`);
    return { rc, checks: parseFramedOutput(stdout, checks), stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** vm-run.sh failed (125) because the guest's kernel oopsed: its console shows the trap. */
export function guestKernelCrashed(stderr: string): boolean {
  return /\bOops: /.test(stderr) && /guest console/.test(stderr);
}

/** One check's result, or a thrown error naming the check and what the guest said. */
export function checkResult(boot: VmBoot, name: string): VmCheckResult {
  const r = boot.checks.get(name);
  if (r === undefined) throw new Error(`check ${name} did not report (runner stderr: ${boot.stderr.slice(-2000)})`);
  return r;
}

/** The JSON a check printed as its last stdout line; asserts it exited 0. */
export function checkJson<T>(boot: VmBoot, name: string): T {
  const r = checkResult(boot, name);
  if (r.rc !== 0) throw new Error(`check ${name} exited ${r.rc}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`check ${name} printed no JSON last line\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

// The guest side: each check's streams go to files, then one frame per check on stdout:
//   @@reapd-vm-check <index> <rc> <stdout bytes> <stderr bytes>\n<stdout><stderr>
function runnerScript(checks: readonly VmCheck[], dir: string): string {
  const lines = ['set -u', 'o=$(mktemp) e=$(mktemp)'];
  checks.forEach((c, i) => {
    lines.push(
      `timeout -s KILL ${c.timeoutS ?? 120} bash ${dir}/${i}.sh </dev/null >"$o" 2>"$e"; rc=$?`,
      `printf '@@reapd-vm-check %d %d %d %d\\n' ${i} $rc $(stat -c %s "$o") $(stat -c %s "$e"); cat "$o" "$e"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

const FRAME = /^@@reapd-vm-check (\d+) (\d+) (\d+) (\d+)\n/;

export function parseFramedOutput(stdout: Buffer, checks?: readonly VmCheck[]): Map<string, VmCheckResult> {
  const out = new Map<string, VmCheckResult>();
  let at = 0;
  while (at < stdout.length) {
    const head = FRAME.exec(stdout.subarray(at, at + 100).toString('latin1'));
    if (head === null) throw new Error(`unframed guest output at byte ${at}: ${stdout.subarray(at, at + 200).toString()}`);
    const [index, rc, outBytes, errBytes] = head.slice(1).map(Number) as [number, number, number, number];
    const body = at + head[0].length;
    const name = checks?.[index]?.name ?? String(index);
    out.set(name, {
      name,
      rc,
      stdout: stdout.subarray(body, body + outBytes).toString(),
      stderr: stdout.subarray(body + outBytes, body + outBytes + errBytes).toString(),
    });
    at = body + outBytes + errBytes;
  }
  return out;
}

function execVm(command: string, env: NodeJS.ProcessEnv, guestS: number): Promise<{ rc: number; stdout: Buffer; stderr: string }> {
  // bound = the guest's own limit + waiting for another VM on the lock (REAPD_VM_LOCK_WAIT)
  const boundMs = (guestS + 60 + 1800) * 1000;
  return new Promise((resolve) => {
    execFile(VM_RUN, [command], { cwd: REPO_ROOT, env, encoding: 'buffer', maxBuffer: 64 << 20, timeout: boundMs, killSignal: 'SIGTERM' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 125;
        resolve({ rc: code, stdout, stderr: stderr.toString() });
      });
  });
}
