// [hooks]: programs reapd runs with a victim's facts in REAPD_* environment variables
// (docs/notifications.md lists them). Never on the kill path: pre_kill starts when the
// kill thread has reported SIGKILL sent (beside the reclaim's wait for the exit, never
// before the signal), post_kill with the kill's record, warn at a warning. Each run is
// its own process group, killed whole at the time limit; at most max_running at once
// (a run beyond it is skipped, and said so); failures are logged with their stderr's end.
import { spawn } from 'node:child_process';
import type { HookSettings } from '../config/types.js';
import type { KillResult } from '../engine/ports.js';
import type { KillRecord } from '../model/kill-record.js';
import type { Log } from './logger.js';
import type { KillObserver } from './observer.js';
import type { WarningRecord } from './warning.js';

type HookName = 'pre_kill' | 'post_kill' | 'warn';
type HookResult = 'ok' | 'failed' | 'timeout' | 'skipped';

/** The end of a hook's stderr kept for the log line. */
const STDERR_TAIL_BYTES = 2048;
/** A hook gets a plain PATH, not the daemon's environment (which it has no business reading). */
const HOOK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface HookRunnerOptions {
  settings: HookSettings;
  log: Log;
  onResult?(hook: HookName, result: HookResult): void;
}

export class HookRunner {
  private running = 0;
  private readonly live = new Set<number>();

  constructor(private readonly o: HookRunnerOptions) {}

  private path(hook: HookName): string | null {
    const s = this.o.settings;
    return hook === 'pre_kill' ? s.preKill : hook === 'post_kill' ? s.postKill : s.warn;
  }

  /** Start the hook on the next turn of the loop (never inside the caller's stack). */
  run(hook: HookName, env: Record<string, string>): void {
    const path = this.path(hook);
    if (path === null) return;
    setImmediate(() => this.start(hook, path, env));
  }

  private start(hook: HookName, path: string, env: Record<string, string>): void {
    if (this.running >= this.o.settings.maxRunning) {
      this.o.log.warn('hook-skipped', `${hook} hook ${path} not run: ${this.running} hooks already running (max_running)`, { hook, path, pid: env.REAPD_PID });
      this.o.onResult?.(hook, 'skipped');
      return;
    }
    this.running++;
    const child = spawn(path, [], { env: { PATH: HOOK_PATH, REAPD_HOOK: hook, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-STDERR_TAIL_BYTES)));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, this.o.settings.timeoutMs);
    if (child.pid !== undefined) this.live.add(child.pid);
    let finished = false;
    const done = (code: number | null, signal: string | null, error?: Error): void => {
      if (finished) return; // a spawn failure emits 'error' and then 'close'
      finished = true;
      clearTimeout(timer);
      if (child.pid !== undefined) this.live.delete(child.pid);
      this.running--;
      this.finish(hook, path, { code, signal, timedOut, stderr, error, hookPid: child.pid, pid: env.REAPD_PID });
    };
    child.once('error', (e) => done(null, null, e));
    // 'close', not 'exit': stderr is read to its end before the result is logged.
    child.once('close', (code, signal) => done(code, signal));
  }

  private finish(hook: HookName, path: string, r: { code: number | null; signal: string | null; timedOut: boolean; stderr: string; error?: Error; hookPid?: number; pid?: string }): void {
    const fields = { hook, path, hookPid: r.hookPid, pid: r.pid, exitCode: r.code, signal: r.signal, stderr: r.stderr.trim() || undefined };
    const result: HookResult = r.timedOut ? 'timeout' : r.error || r.code !== 0 ? 'failed' : 'ok';
    if (result === 'timeout') this.o.log.warn('hook-timeout', `${hook} hook ${path} killed after ${this.o.settings.timeoutMs} ms (its time limit)`, fields);
    else if (r.error) this.o.log.warn('hook-failed', `${hook} hook ${path} could not run: ${r.error.message}`, fields);
    else if (result === 'failed') this.o.log.warn('hook-failed', `${hook} hook ${path} failed (${r.code !== null ? `exit ${r.code}` : r.signal})${fields.stderr ? `: ${fields.stderr.split('\n').pop() ?? ''}` : ''}`, fields);
    else this.o.log.debug('hook-done', `${hook} hook ${path} done`, fields);
    this.o.onResult?.(hook, result);
  }

  /** Daemon stop: end every hook still running (its whole process group). */
  stop(): void {
    for (const pid of this.live) killGroup(pid);
  }

  /** pre_kill and post_kill per victim, from the domains' events. */
  readonly observer: KillObserver = {
    signalled: (domain, results, dryRun) => {
      for (const r of results) if (r.killed || dryRun) this.run('pre_kill', resultEnv(domain, r, dryRun));
    },
    kill: (domain, record) => this.run('post_kill', recordEnv(domain, record)),
    warning: (w) => this.run('warn', warningEnv(w)),
  };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

/** pre_kill: what is known when SIGKILL has gone out. */
function resultEnv(domain: string, r: KillResult, dryRun: boolean): Record<string, string> {
  const v = r.victim;
  return {
    REAPD_DOMAIN: domain, REAPD_PID: String(v.pid), REAPD_UID: String(v.uid), REAPD_NAME: v.name,
    REAPD_OOM_SCORE_ADJ: String(v.oomScoreAdj), REAPD_SIZE_KIB: String(v.sizeKiB), REAPD_ANON_KIB: String(v.rssAnonKiB),
    REAPD_REASON: v.reason, REAPD_WHY: v.why, REAPD_DRY_RUN: dryRun ? '1' : '0',
  };
}

/** post_kill: the journal record's facts. */
function recordEnv(domain: string, k: KillRecord): Record<string, string> {
  const env: Record<string, string> = {
    REAPD_DOMAIN: domain, REAPD_PID: String(k.pid), REAPD_UID: String(k.uid), REAPD_NAME: k.name,
    REAPD_OOM_SCORE_ADJ: String(k.oomScoreAdj), REAPD_SIZE_KIB: String(k.sizeKiB), REAPD_ANON_KIB: String(k.anonKiB),
    REAPD_REASON: k.reason, REAPD_WHY: k.why ?? '', REAPD_POLICY: k.policy, REAPD_DRY_RUN: k.dryRun ? '1' : '0',
    REAPD_KILLED: k.killed === false ? '0' : '1', REAPD_REAPED: k.reaped ? '1' : '0',
    REAPD_REAP_MS: k.reapMs === null ? '' : String(k.reapMs), REAPD_EXIT_MS: k.exitMs === null ? '' : String(k.exitMs),
    REAPD_TIME: k.time,
  };
  if (k.error !== undefined) env.REAPD_ERROR = k.error;
  return env;
}

/** warn: the domain, its headroom, and the next victims (REAPD_NEXT: "pid:uid:name:sizeKiB" lines; REAPD_PID etc. for the first). */
function warningEnv(w: WarningRecord): Record<string, string> {
  const env: Record<string, string> = {
    REAPD_DOMAIN: w.domain, REAPD_POLICY: w.policy, REAPD_TIME: w.time,
    REAPD_HEADROOM_KIB: String(w.headroomKiB), REAPD_WARN_HEADROOM_KIB: String(w.warnHeadroomKiB),
    REAPD_NEXT: w.next.map((p) => `${p.pid}:${p.uid}:${p.name}:${p.sizeKiB}`).join('\n'),
  };
  const first = w.next[0];
  if (first) Object.assign(env, { REAPD_PID: String(first.pid), REAPD_UID: String(first.uid), REAPD_NAME: first.name, REAPD_SIZE_KIB: String(first.sizeKiB) });
  return env;
}
