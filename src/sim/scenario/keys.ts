// Every key a scenario file may use, by table. docs/simulator.md documents each one;
// test/sim/docs.test.ts checks both that the docs name them and that they parse.
import { SCOPE_DOMAIN_KEYS, SCOPE_KEYS } from './scopes.js';

export const TOP_KEYS = ['name', 'description', 'tick', 'duration', 'epoch', 'seed', 'runs', 'compare_no_reap', 'units', 'domain', 'scope', 'process', 'event'] as const;

export const DOMAIN_KEYS = [
  'name', 'kind', 'path', 'size', 'swap', 'swap_rate', 'zram_ratio', 'reclaim_lag', 'reserve', 'kernel', 'cache', 'cache_floor', 'cpus',
  'system_processes', 'policy', 'params', 'protect', 'prefer', 'avoid', 'min_adj', 'trigger', 'psi_stall', 'psi_window',
  'reap', 'thaw', 'boost', 'reclaim_timeout', 'exit_base', 'exit_per_gib', 'starved_factor', 'kernel_oom', 'oom_after',
  ...SCOPE_DOMAIN_KEYS,
] as const;

export { SCOPE_KEYS };

/** The values of `units` / `--units`. */
export const UNIT_RUNS = ['process', 'scope', 'whole-scope'] as const;

export const PARAM_TABLE_KEYS = [
  'minfree', 'reclaim_timeout', 'levels', 'death_pending', 'kill_timeout', 'pick', 'mem_available', 'swap_free', 'swap_combine',
  'mode', 'psi_partial_stall_ms', 'psi_complete_stall_ms', 'thrashing_limit', 'thrashing_limit_decay', 'thrashing_limit_critical',
  'swap_free_low_percentage', 'swap_util_max', 'filecache_min_kb', 'stall_limit_critical', 'perceptible_adj', 'lowmem_min_oom_score', 'available_low_percentage',
  'kill_heaviest_task',
] as const;

export { MATCHER_KEYS } from '../../config/schema.js';

export const PROCESS_KEYS = [
  'name', 'count', 'domain', 'uid', 'adj', 'start', 'stop', 'memory', 'file', 'shmem', 'cpu',
  'frozen', 'cpu_starved', 'shared_mm', 'kernel_thread', 'scope',
] as const;

export const CURVE_KEYS = ['curve', 'size', 'from', 'to', 'at', 'over', 'rate', 'max', 'min', 'period', 'points'] as const;

export const CURVES = ['constant', 'ramp', 'step', 'leak', 'sawtooth', 'points'] as const;

export const EVENT_KEYS = ['at', 'action', 'target', 'adj', 'for'] as const;

export const EVENT_ACTIONS = ['freeze', 'thaw', 'adj', 'start', 'stop', 'dstate', 'starve', 'unstarve'] as const;
