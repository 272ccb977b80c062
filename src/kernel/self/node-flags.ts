// Node/V8 flags that keep the daemon's RSS small, and re-executing `reapd run` under them.
//
// Measured (test/kernel/self/node-flags.test.ts, docs/triggers.md): after 300 rounds of
// a synthetic reclaim (2,000-process snapshot built, ranked, serialised) and 1 s idle,
// Node 20 with koffi loaded sat at ~82–84 MB RSS with no flags and ~54–58 MB with the
// default set below. What matters is the young generation: --max-semi-space-size=2
// (MiB) stops the 16 MiB default semi-spaces from filling with garbage; 1 MiB was
// *worse* here (live snapshots got promoted early; +2x CPU). --max-old-space-size caps the
// old generation — never below ~32 (16 crashed on a 200k-object burst, §5.4); 128 costs
// nothing over 64 and leaves room for 10,000-process snapshots. --v8-pool-size=1: one
// V8 platform worker instead of one per core.
// The "small" profile adds --jitless (interpreter only: a few MB less code space, 2–3x
// slower JS — the scan and the decision — and no WebAssembly; V8 prints
// "disabling flag --expose_wasm" at start) for devices where every MB counts.
import { execve } from '../sys/exec.js';

type NodeFlagProfile = 'default' | 'small';

/** The flags `reapd run` should run under. */
export function recommendedNodeFlags(profile: NodeFlagProfile = 'default'): string[] {
  if (profile === 'small') return ['--max-old-space-size=64', '--max-semi-space-size=1', '--v8-pool-size=1', '--jitless'];
  return ['--max-old-space-size=128', '--max-semi-space-size=2', '--v8-pool-size=1'];
}

/** "--max-old-space-size=128" → "--max-old-space-size" (underscores are dashes to V8). */
function flagName(flag: string): string {
  const eq = flag.indexOf('=');
  return (eq < 0 ? flag : flag.slice(0, eq)).replace(/_/g, '-');
}

/**
 * The flags of `wanted` not already given in execArgv (or NODE_OPTIONS), by name: a
 * user's own --max-old-space-size=512 counts as set and is respected.
 */
export function missingNodeFlags(
  wanted: readonly string[] = recommendedNodeFlags(),
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)].map(flagName));
  return wanted.filter((f) => !given.has(flagName(f)));
}

/** Set in the environment of the re-executed process, so it never re-executes again. */
export const REEXEC_MARKER = 'REAPD_NODE_FLAGS_APPLIED';
/** Set to 0 to run under whatever flags Node was started with. */
export const REEXEC_OPT_OUT = 'REAPD_REEXEC';

type ReexecOutcome = { reexeced: false; reason: string; missing: string[] };

/**
 * Call first thing in `reapd run`, before any thread, fd or timer exists: when flags are
 * missing, execve(2)s the same node binary with them prepended — same pid, so systemd
 * keeps tracking it, and no wrapper process stays resident. Returns (never re-executing)
 * when nothing is missing, when the environment opts out (REAPD_REEXEC=0), or when this
 * process already is the re-executed one.
 */
export function reexecWithNodeFlags(
  wanted: readonly string[] = recommendedNodeFlags(),
  exec: typeof execve = execve,
  /** Re-execute even when no flag is missing, for this reason (a move to another memory cgroup). */
  force?: string,
): ReexecOutcome {
  const missing = missingNodeFlags(wanted);
  if (missing.length === 0 && force === undefined) return { reexeced: false, reason: 'the recommended Node flags are in effect', missing };
  const lacking = missing.length > 0 ? `running without ${missing.join(' ')}` : `not re-executed (${force ?? ''})`;
  if (process.env[REEXEC_OPT_OUT] === '0') return { reexeced: false, reason: `${REEXEC_OPT_OUT}=0: ${lacking}`, missing };
  if (process.env[REEXEC_MARKER]) return { reexeced: false, reason: `already re-executed; ${missing.length > 0 ? `Node still lacks ${missing.join(' ')}` : 'the recommended Node flags are in effect'}`, missing };
  const script = process.argv[1];
  if (!script) return { reexeced: false, reason: 'no script path in process.argv', missing };
  const argv = [process.execPath, ...missing, ...process.execArgv, script, ...process.argv.slice(2)];
  try {
    exec(process.execPath, argv, { ...process.env, [REEXEC_MARKER]: '1' });
  } catch (e) {
    return { reexeced: false, reason: `execve failed: ${String(e)}`, missing };
  }
  return { reexeced: false, reason: 'execve returned', missing };
}
