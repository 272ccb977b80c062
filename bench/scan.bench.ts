// `npm run bench -- scan`: the snapshot scan per process at about 2,000 and 10,000
// processes, side by side with a minimal C program reading the same files
// (docs/performance.md, section "scan"). Sleepers come from one spawner that forks them
// and, at the end, SIGKILLs each by pid and reaps it.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './index.js';
import { KernelProcessSource, scanLiveSnapshot } from '../src/kernel/source.js';
import { parseMeminfoFields } from '../src/kernel/parse/meminfo.js';
import { buildC, runCScan } from './scan/cscan.js';
import { startSleepers } from './scan/procs.js';

const REPO_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
/** What reapd reads of every process on every scan once its cache is warm. */
const WARM_FILES = ['stat', 'statm', 'oom_score', 'oom_score_adj'];
/** What an incremental scan (the daemon's, at a pressure event) reads of every known process. */
const EVENT_FILES = ['statm', 'oom_score_adj'];
/** What a one-shot scan (`reapd snapshot`) reads of every process. */
const FULL_FILES = ['stat', 'statm', 'status', 'oom_score', 'oom_score_adj', 'cgroup', 'cmdline'];
const TARGETS = [2000, 10000];
const ROUNDS = 5;
/** Processes older than a minute at first sight are "settled": their status/cgroup/cmdline refresh starts slow. */
const SETTLE_MS = 61_000;
const SCANS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

function processCount(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

function sunreclaimKiB(): number {
  return parseMeminfoFields(readFileSync('/proc/meminfo', 'utf8')).get('SUnreclaim') ?? 0;
}

/** µs per listed process for each of `count` scans. */
function reapdScans(source: KernelProcessSource, count: number, extra?: { status: number[]; full: number[] }): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    source.scanSync();
    out.push(((performance.now() - t0) * 1000) / source.lastScanStats.listed);
    extra?.status.push(source.lastScanStats.statusReads);
    extra?.full.push(source.lastScanStats.fullReads);
  }
  return out;
}

function cScans(binary: string | undefined, mode: 'naive' | 'cached', scans: number, files: string[], skipFirst = false): number[] {
  if (!binary) return [];
  const r = runCScan(binary, mode, scans, files);
  const per = r.us.map((us, i) => us / (r.procs[i] ?? 1));
  return skipFirst ? per.slice(1) : per;
}

/** µs per listed process of incremental scans; the put-off work runs after each, untimed, as in the daemon. */
function incrementalScans(source: KernelProcessSource, count: number, stats: { stat: number[]; prefetched: number[] }): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    source.scanSync();
    out.push(((performance.now() - t0) * 1000) / source.lastScanStats.listed);
    stats.stat.push(source.lastScanStats.statReads);
    stats.prefetched.push(source.lastScanStats.prefetched);
    while (source.refreshDueNow(64));
  }
  return out;
}

interface Incremental {
  withHelper: number;
  alone: number;
  /** With the helper and lazy sizes (only oom_score_adj of settled processes): the daemon's scan for simple-lmk, lowmemorykiller, lmkd. */
  lazy: number;
  cCachedEventFiles: number;
  cCachedAdj: number;
  statReads: number;
  prefetched: number;
  heldFds: number;
}

/**
 * The daemon's incremental scan, with and without its helper thread, in alternating
 * blocks (each source holds up to 3 fds per process: two at once may not fit the budget).
 */
function measureIncremental(cscan: string | undefined): Incremental {
  const t = { withHelper: [] as number[], alone: [] as number[], lazy: [] as number[], c: [] as number[], cAdj: [] as number[] };
  const stats = { stat: [] as number[], prefetched: [] as number[] };
  const variants = [
    { into: t.withHelper, helperThread: true, lazySizes: false },
    { into: t.alone, helperThread: false, lazySizes: false },
    { into: t.lazy, helperThread: true, lazySizes: true },
  ];
  let heldFds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const source = new KernelProcessSource({ scanMode: 'incremental', helperThread: v.helperThread, lazySizes: v.lazySizes });
      source.scanSync(); // first sight: everything, fds opened
      source.scanSync();
      incrementalScans(source, 2, { stat: [], prefetched: [] }); // warm-up
      v.into.push(...incrementalScans(source, SCANS, v.into === t.withHelper ? stats : { stat: [], prefetched: [] }));
      heldFds = Math.max(heldFds, source.lastScanStats.cachedFds);
      source.close();
    }
    t.c.push(...cScans(cscan, 'cached', SCANS + 1, EVENT_FILES, true));
    t.cAdj.push(...cScans(cscan, 'cached', SCANS + 1, ['oom_score_adj'], true));
  }
  return {
    withHelper: median(t.withHelper),
    alone: median(t.alone),
    lazy: median(t.lazy),
    cCachedEventFiles: median(t.c),
    cCachedAdj: median(t.cAdj),
    statReads: median(stats.stat),
    prefetched: median(stats.prefetched),
    heldFds,
  };
}

interface Row {
  incremental: Incremental;
  processes: number;
  reapdCached: number;
  reapdUncached: number;
  cNaive: number;
  cCached: number;
  reapdOneShot: number;
  cNaiveFull: number;
  persistent: number;
  statusReads: number;
  fullReads: number;
  pinnedKiBPerProcess: number;
}

async function measure(target: number, cscan: string | undefined, spawner: string | undefined): Promise<Row> {
  const sleepers = await startSleepers(Math.max(0, target - processCount()), spawner);
  try {
    // Measure the steady state of a daemon watching long-lived processes: let the sleepers
    // age past the scanner's one-minute "young process" window first.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const slabBefore = sunreclaimKiB();
    const cached = new KernelProcessSource();
    const uncached = new KernelProcessSource({ fdCache: false });
    cached.scanSync();
    cached.scanSync();
    const pinnedKiB = sunreclaimKiB() - slabBefore;
    const persistent = cached.lastScanStats.persistentProcesses;
    uncached.scanSync();
    const s = { reapdCached: [] as number[], reapdUncached: [] as number[], cNaive: [] as number[], cCached: [] as number[] };
    const cold = { reapd: [] as number[], c: [] as number[] };
    const reads = { status: [] as number[], full: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      s.reapdCached.push(...reapdScans(cached, SCANS, reads));
      s.cNaive.push(...cScans(cscan, 'naive', SCANS, WARM_FILES));
      s.cCached.push(...cScans(cscan, 'cached', SCANS + 1, WARM_FILES, true));
      s.reapdUncached.push(...reapdScans(uncached, SCANS));
      const t0 = performance.now();
      const snap = await scanLiveSnapshot();
      cold.reapd.push(((performance.now() - t0) * 1000) / snap.processes.length);
      cold.c.push(...cScans(cscan, 'naive', 1, FULL_FILES));
    }
    const processes = cached.lastScanStats.listed;
    cached.close();
    uncached.close();
    const incremental = measureIncremental(cscan);
    return {
      incremental,
      processes,
      reapdCached: median(s.reapdCached),
      reapdUncached: median(s.reapdUncached),
      cNaive: median(s.cNaive),
      cCached: median(s.cCached),
      reapdOneShot: median(cold.reapd),
      cNaiveFull: median(cold.c),
      persistent,
      statusReads: median(reads.status),
      fullReads: median(reads.full),
      pinnedKiBPerProcess: persistent > 0 ? pinnedKiB / persistent : NaN,
    };
  } finally {
    await sleepers.stop();
  }
}

function report(rows: Row[], cscan: string | undefined, load: string): string {
  const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
  const warm = rows.map((r) =>
    `| ${r.processes} | **${fmt(r.reapdCached)}** | ${fmt(r.reapdUncached)} | ${fmt(r.cNaive)} | ${fmt(r.cCached)} | **${ratio(r.reapdCached, r.cNaive)}** | ${ratio(r.reapdCached, r.cCached)} | ${r.persistent} | ${r.statusReads} / ${r.fullReads} |`);
  const cold = rows.map((r) => `| ${r.processes} | ${fmt(r.reapdOneShot)} | ${fmt(r.cNaiveFull)} | ${ratio(r.reapdOneShot, r.cNaiveFull)} |`);
  return [
    '## scan',
    '',
    `Command: \`npm run bench -- scan\` on Linux ${release()}, ${cpus().length} vCPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
      `${new Date().toISOString().slice(0, 10)}; load average (1, 5, 15 min) ${load} at the start and ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end. ` +
      `Each row is measured side by side in one run, ${ROUNDS} interleaved rounds of ${SCANS} scans, medians. ` +
      'The sleepers (one C spawner forking idle children) are left to age a minute before measuring, as a daemon mostly watches long-lived processes.',
    cscan ? '' : '\n**C comparison skipped: no C compiler (cc) on this machine.**\n',
    '### Full scan: every file of every process, every scan (µs per process)',
    '',
    `Files per process: ${WARM_FILES.join(', ')} (the C programs read exactly these, plus /proc/meminfo and /proc/zoneinfo once per scan, like reapd). ` +
      'reapd parses everything into a full snapshot; the C programs only read (the floor). reapd also re-reads status (and cgroup, cmdline) ' +
      'of the few processes whose statm moved or whose refresh is due: the last column gives the median per scan. ' +
      'This is `reapd record`\'s scan (a complete, fresh snapshot each time); the daemon\'s is the incremental scan below.',
    '',
    '| processes | reapd, cached fds + pread | reapd, open/read/close | C naive open/read/close | C cached fds + pread | reapd / naive C | reapd / cached C | processes with held fds | status / full re-reads |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...warm,
    '',
    'Goal (issue "Foundation"): reapd ≤ 1.0× the naive C scan at 2,000 processes. The fd budget is RLIMIT_NOFILE minus 1024 ' +
      '(20,000 here, and raising the hard limit needs CAP_SYS_RESOURCE): when 4 fds per process do not fit, every process first ' +
      'holds stat and oom_score_adj and reads statm and oom_score by path, and processes beyond the budget are read with ' +
      'open/read/close, which is why the 10,000 row moves toward the uncached column. The C cached program holds fds up to ' +
      'its limit minus 64 and reads the rest naively.',
    '',
    '### Incremental scan: what the daemon reads at a pressure event (µs per process)',
    '',
    `Files per known process: ${EVENT_FILES.join(' and ')} (through held fds), stat only where it may have changed (statm moved, state D or exiting, ` +
      'first sight), status put off when statm moved by file pages only on a machine without swap, refreshes put off to after the kill ' +
      '(docs/snapshot-format.md, "Incremental scans"). With the helper thread, a second thread reads statm and oom_score_adj of the ' +
      'known processes while the main thread lists the domain (work stealing: never slower when the other core is busy). The C column ' +
      `is the floor for reading just ${EVENT_FILES.join(' and ')} through cached fds. The daemon uses the incremental scan with the helper thread; ` +
      'for simple-lmk, lowmemorykiller and lmkd also with lazy sizes (only oom_score_adj of a settled process; the sizes a decision used are ' +
      're-read after it, docs/snapshot-format.md "Lazy sizes"), whose floor is the C program reading oom_score_adj alone. The C programs list /proc at every scan; reapd\'s incremental scans of the machine list it only when a pid was allocated since the last list (docs/snapshot-format.md, "Listing the machine"), which is how the lazy column can fall below the C one.',
    '',
    '| processes | reapd incremental + helper thread | reapd incremental, one thread | C cached, statm + oom_score_adj | reapd incremental + helper, lazy sizes | C cached, oom_score_adj | full scan / incremental + helper | stat reads per scan | read in the shared job | fds held |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const i = r.incremental;
      return `| ${r.processes} | **${fmt(i.withHelper)}** | ${fmt(i.alone)} | ${fmt(i.cCachedEventFiles)} | **${fmt(i.lazy)}** | ${fmt(i.cCachedAdj)} | ${ratio(r.reapdCached, i.withHelper)} | ${i.statReads} | ${i.prefetched} | ${i.heldFds} |`;
    }),
    '',
    '### One-shot scan, nothing cached (`reapd snapshot`), µs per process',
    '',
    `Files per process: ${FULL_FILES.join(', ')}.`,
    '',
    '| processes | reapd one-shot | C naive, same files | reapd / C |',
    '|---:|---:|---:|---:|',
    ...cold,
    '',
    '### Kernel memory held by the fd cache',
    '',
    'A /proc seq_file keeps its 4 KiB buffer from the first read until close, so each held stat, statm and oom_score fd pins ' +
      'about 4 KiB of unreclaimable kernel memory (oom_score_adj is not a seq_file): about 12 KiB for a process holding 4 fds, ' +
      '4 KiB for one holding 2. SUnreclaim grew by about ' +
      rows.map((r) => `${fmt(r.pinnedKiBPerProcess)} KiB per process holding fds at ${r.processes} processes`).join(' and ') +
      ' (noisy: other activity moves SUnreclaim too). `fdCache: false` (or a smaller number) in KernelProcessSource trades scan time for this memory.',
  ].join('\n');
}

const bench: Benchmark = {
  name: 'scan',
  async run(): Promise<string> {
    const load = loadavg().map((x) => x.toFixed(2)).join(' ');
    const cscan = buildC(REPO_ROOT, 'cscan');
    const spawner = buildC(REPO_ROOT, 'sleepers');
    if (!cscan) process.stdout.write('  no cc: measuring reapd only\n');
    const rows: Row[] = [];
    for (const target of TARGETS) {
      process.stdout.write(`  ${target} processes …\n`);
      rows.push(await measure(target, cscan, spawner));
    }
    return report(rows, cscan, load);
  },
};

export default bench;
