// [[domain]] tables -> DomainSpec. A machine domain stands for a whole Linux box; a
// cgroup domain for one memory cgroup with a limit (size) and no watermarks of its own.
import { POLICY_NAMES, type PolicyName } from '../../model/decision.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../../model/limits.js';
import type { ProtectionRules } from '../../policy/types.js';
import { readRules as readDaemonRules } from '../../config/rules.js';
import { RULE_LISTS } from '../../config/schema.js';
import { formatPath } from '../../config/validate.js';
import { readInteger } from '../../config/values.js';
import { buildParams } from '../params.js';
import type { Issues } from './errors.js';
import type { DomainSpec } from './types.js';
import { readScopeKeys } from './scopes.js';
import { isTable, TableReader, type Table } from './values.js';

const MiB = 1024;

/** Defaults the docs list (docs/simulator.md, "Domain keys"). */
const DOMAIN_DEFAULTS = {
  swapRateKiBps: 200 * MiB,
  psiStallMs: 70,
  psiWindowMs: 1000,
  reclaimTimeoutMs: 2000,
  exitBaseMs: 20,
  exitMsPerGiB: 30,
  starvedFactor: 20,
  oomAfterMs: 2000,
  cpus: 2,
} as const;

/** Default high watermark: about what min_free_kbytes-based watermarks give (size/128, 4–128 MiB). */
function defaultReserveKiB(sizeKiB: number): number {
  return Math.min(128 * MiB, Math.max(4 * MiB, Math.round(sizeKiB / 128)));
}

function readParams(r: TableReader): DomainSpec['params'] {
  const v = r.raw('params');
  const out: DomainSpec['params'] = {};
  if (v === undefined) return out;
  if (!isTable(v)) {
    r.issues.add(r.key('params'), 'expected a table of tables, one per policy: [domain.params.simple-lmk]');
    return out;
  }
  for (const [name, table] of Object.entries(v)) {
    if (!(POLICY_NAMES as readonly string[]).includes(name)) {
      r.issues.add(`${r.key('params')}.${name}`, `not a policy; expected one of ${POLICY_NAMES.join(', ')}`);
    } else if (!isTable(table)) {
      r.issues.add(`${r.key('params')}.${name}`, 'expected a table of parameters');
    } else {
      checkParams(name as PolicyName, table, `${r.key('params')}.${name}`, r.issues);
      out[name as PolicyName] = { ...table };
    }
  }
  return out;
}

/** Parse now so a bad value is reported with its key, not when a run starts. */
function checkParams(policy: PolicyName, table: Table, path: string, issues: Issues): void {
  try {
    buildParams(policy, table);
  } catch (e) {
    const message = (e as Error).message;
    const at = message.indexOf(': ');
    issues.add(at > 0 ? `${path}.${message.slice(0, at)}` : path, at > 0 ? message.slice(at + 2) : message);
  }
}

/** protect / prefer / avoid, read by the daemon's own rule reader (src/config/rules.ts). */
function readRules(r: TableReader): ProtectionRules {
  for (const list of RULE_LISTS) r.raw(list); // marks them known
  return readDaemonRules(r.table, [], { add: (path, message) => r.issues.add(r.key(formatPath(path)), message) });
}

/** min_adj, as the daemon reads it: only processes at or above it are candidates. */
function readMinAdj(r: TableReader): number | null {
  const v = r.raw('min_adj');
  if (v === undefined) return null;
  const read = readInteger(v, OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX);
  if (read.ok) return read.value;
  r.issues.add(r.key('min_adj'), read.message);
  return null;
}

export function readDomain(table: Table, path: string, index: number, issues: Issues): DomainSpec {
  const r = new TableReader(table, path, issues);
  const kind = r.enumOf('kind', ['machine', 'cgroup'] as const) ?? 'machine';
  const name = r.string('name') ?? (index === 0 ? 'machine' : `domain${index + 1}`);
  const sizeKiB = r.size('size');
  if (sizeKiB === undefined && !r.has('size')) issues.add(r.key('size'), 'required: the memory size (a cgroup domain: its limit)');
  const size = sizeKiB ?? 0;
  const cacheKiB = r.size('cache') ?? 0;
  const cgroupPath = r.string('path') ?? `/sim/${name}`;
  const d: DomainSpec = {
    name,
    kind,
    path: cgroupPath,
    sizeKiB: size,
    swapKiB: r.size('swap') ?? 0,
    swapRateKiBps: r.rate('swap_rate') ?? DOMAIN_DEFAULTS.swapRateKiBps,
    zramRatio: r.number('zram_ratio', 1, 100) ?? null,
    reclaimLag: r.boolean('reclaim_lag') ?? false,
    reserveKiB: r.size('reserve') ?? (kind === 'machine' ? defaultReserveKiB(size) : 0),
    kernelKiB: r.size('kernel') ?? 0,
    cacheKiB,
    cacheFloorKiB: r.size('cache_floor') ?? Math.round(cacheKiB / 4),
    cpus: r.number('cpus', 1, 4096) ?? DOMAIN_DEFAULTS.cpus,
    systemProcesses: r.boolean('system_processes') ?? kind === 'machine',
    policy: r.enumOf('policy', POLICY_NAMES) ?? null,
    params: readParams(r),
    rules: readRules(r),
    minAdj: readMinAdj(r),
    psi: {
      stallMs: r.duration('psi_stall') ?? DOMAIN_DEFAULTS.psiStallMs,
      windowMs: r.duration('psi_window') ?? DOMAIN_DEFAULTS.psiWindowMs,
    },
    trigger: r.enumOf('trigger', ['both', 'psi', 'vmpressure'] as const) ?? 'both',
    killer: {
      reap: r.boolean('reap') ?? true,
      thaw: r.boolean('thaw') ?? true,
      boost: r.boolean('boost') ?? true,
      timeoutMs: r.duration('reclaim_timeout') ?? null,
    },
    exit: {
      baseMs: r.duration('exit_base') ?? DOMAIN_DEFAULTS.exitBaseMs,
      msPerGiB: r.duration('exit_per_gib') ?? DOMAIN_DEFAULTS.exitMsPerGiB,
      starvedFactor: r.number('starved_factor', 1, 1e6) ?? DOMAIN_DEFAULTS.starvedFactor,
    },
    oom: {
      enabled: r.boolean('kernel_oom') ?? true,
      afterMs: r.duration('oom_after') ?? DOMAIN_DEFAULTS.oomAfterMs,
    },
    scopes: readScopeKeys(r, kind, cgroupPath),
  };
  r.rejectUnknown();
  checkDomain(d, r, sizeKiB !== undefined);
  return d;
}

function checkDomain(d: DomainSpec, r: TableReader, sizeRead: boolean): void {
  if (sizeRead && d.sizeKiB <= 0) r.issues.add(r.key('size'), 'must be more than 0');
  if (d.cacheFloorKiB > d.cacheKiB) r.issues.add(r.key('cache_floor'), `must not exceed cache (${d.cacheKiB} KiB)`);
  if (sizeRead && d.kernelKiB + d.reserveKiB + d.cacheFloorKiB >= d.sizeKiB && d.sizeKiB > 0) {
    r.issues.add(r.key('size'), 'must exceed kernel + reserve + cache_floor, or nothing is left for processes');
  }
  if (d.zramRatio !== null && d.zramRatio <= 1) r.issues.add(r.key('zram_ratio'), 'must be more than 1: a zram that compresses nothing frees no memory by swapping');
  if (d.zramRatio !== null && d.swapKiB === 0) r.issues.add(r.key('zram_ratio'), 'needs swap: the size of the zram device');
  if (d.psi.stallMs <= 0) r.issues.add(r.key('psi_stall'), 'must be more than 0');
  if (d.psi.stallMs > d.psi.windowMs) r.issues.add(r.key('psi_stall'), `must not exceed psi_window (${d.psi.windowMs} ms)`);
  if (d.psi.windowMs > 10_000) r.issues.add(r.key('psi_window'), 'the kernel accepts PSI windows up to 10s');
  if (d.killer.timeoutMs !== null && d.killer.timeoutMs <= 0) r.issues.add(r.key('reclaim_timeout'), 'must be more than 0');
}
