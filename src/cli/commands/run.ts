// `reapd run`: the daemon. With no arguments it runs on the embedded default configuration
// (config/default.toml); --config FILE names another, and the flags below override either.
// Exit codes (docs/cli.md): 0 after SIGTERM/SIGINT, 3 for a bad configuration (every
// error printed), 4 when a required kernel feature is missing, 1 for anything else.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { ConfigFlags } from '../../config/flags.js';
import { readPackageVersion } from '../../version.js';

export interface ConfigOptionValues extends ConfigFlags {
  config?: string;
}

/** The flags `run` and `check-config` share; each overrides the configuration file. */
export function addConfigOptions(cmd: Command, opts: { withConfigFlag: boolean }): Command {
  if (opts.withConfigFlag) cmd.option('-c, --config <file>', 'TOML configuration file (default: the embedded default)');
  return cmd
    .option('--policy <name>', 'policy for every domain: simple-lmk, lowmemorykiller, lmkd, oom-score')
    .option('--minfree <size>', 'simple-lmk: free at least this much per reclaim (e.g. 64MiB)')
    .option('--levels <levels>', 'lowmemorykiller/lmkd: MINFREE:ADJ pairs, e.g. 6MiB:0,64MiB:900')
    .option('--death-pending <duration>', 'lowmemorykiller: hold-off while the last victim dies (e.g. 1s)')
    .option('--kill-timeout <duration>', 'lmkd: no kill within this long of the last one')
    .option('--pick <pick>', 'lmkd: heaviest or lru')
    .option('--mem-available <percent>', 'oom-score: act at or below this % of available memory')
    .option('--swap-free <percent>', 'oom-score: ... and at or below this % of free swap')
    .option('--memcg <path>', 'watch one cgroup (v1 memory or cgroup2 directory) instead of the machine')
    .option('--psi-group <path>', 'cgroup2 group whose memory.pressure stands for a v1 memcg')
    .option('--trigger <mode>', 'auto, psi, memcg-events or poll')
    .option('--min-adj <n>', 'only processes with oom_score_adj >= n are candidates')
    .option('--scope <mode>', 'none, or cgroup: rank cgroup2 scopes first (the leaker), then kill inside the chosen one')
    .option('--scope-root <path>', 'cgroup2 directory whose children are the scopes (default: the domain\'s own)')
    .option('--kill-unit <unit>', 'with --scope cgroup: process (the policy\'s choice inside the scope) or cgroup (the whole scope)')
    .option('--reclaim-timeout <duration>', 'wait this long for victims to exit (e.g. 200ms)')
    .option('--journal <path>', 'kill journal (JSON lines); "" for none')
    .option('--dry-run', 'decide, log and journal, but kill nothing')
    .option('--log-format <format>', 'human or json')
    .option('--log-level <level>', 'debug, info, warn or error')
    .option('--socket <path>', 'lmkd-compatible control socket; "" for none')
    .option('--metrics <address>', 'serve Prometheus /metrics on ADDRESS (e.g. 127.0.0.1:9412; a port alone means loopback)')
    .option('--dbus <address>', 'D-Bus for signals and status: "system", a bus address, or "" for none')
    .option('--report-interval <duration>', 'log a one-line memory report per domain this often (e.g. 1h); "0" for none');
}

export function flagsFromOptions(o: ConfigOptionValues): ConfigFlags {
  const flags: ConfigFlags = {};
  const copy = <K extends keyof ConfigFlags & keyof ConfigOptionValues>(k: K): void => {
    if (o[k] !== undefined) (flags as Record<string, unknown>)[k] = o[k];
  };
  for (const k of [
    'policy', 'minfree', 'levels', 'deathPending', 'killTimeout', 'pick', 'memAvailable', 'swapFree', 'memcg',
    'psiGroup', 'trigger', 'minAdj', 'reclaimTimeout', 'journal', 'dryRun', 'logFormat', 'logLevel', 'socket', 'metrics', 'dbus', 'reportInterval',
    'scope', 'scopeRoot', 'killUnit',
  ] as const) copy(k);
  return flags;
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run the daemon (the embedded default configuration unless --config is given)');
  addConfigOptions(cmd, { withConfigFlag: true });
  cmd.action(async (opts: ConfigOptionValues) => {
    const flags = flagsFromOptions(opts);
    const config = loadConfig(opts.config, flags);
    // Before any thread or fd exists: re-execute (same pid) under Node flags that keep the
    // heap small, unless they are in effect already or REAPD_REEXEC=0.
    let nodeFlags: string | undefined;
    if (config.daemon.selfProtect) {
      const { reexecWithNodeFlags } = await import('../../kernel/self/node-flags.js');
      // Into its own memory cgroup first (when configured), so the re-executed image's
      // memory is charged there: a move alone leaves the pages so far with the old group.
      let moved: string | undefined;
      if (config.daemon.selfCgroup) {
        const { enterHomeBeforeReexec } = await import('../../daemon/self-memory.js');
        moved = enterHomeBeforeReexec();
      }
      nodeFlags = reexecWithNodeFlags(undefined, undefined, moved).reason;
    }
    // Loaded on demand: the daemon's modules (kill thread, triggers) matter only to `run`.
    const { runDaemon } = await import('../../daemon/run.js');
    process.exitCode = await runDaemon({ config, configPath: opts.config, flags, version: readPackageVersion(), ...(nodeFlags ? { nodeFlags } : {}) });
  });
}
