// `reapd record`: write live snapshots of a memory domain as NDJSON (snapshot format v1,
// one line per interval) for `reapd simulate TRACE.ndjson` to replay. Each line may carry
// one extension field, "pressure": { "someTotalUs", "fullTotalUs" } — the domain's PSI
// totals at the scan (docs/simulator.md, "Recorded traces").
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.js';
import { requireCgroupDir } from '../memcg-flag.js';
import { parseDurationMs } from '../../model/units.js';
import { serializeSnapshot } from '../../model/snapshot-io.js';
import type { Snapshot } from '../../model/snapshot.js';
import { KernelProcessSource } from '../../kernel/source.js';
import { systemClock } from '../../kernel/clock.js';
import { MIN_PRESSURE_READ_INTERVAL_MS, readPressure } from '../../kernel/triggers/pressure-file.js';

interface RecordFlags {
  memcg?: string;
  psiGroup?: string;
  interval: string;
  duration: string;
  out?: string;
}

function durationFlag(name: string, text: string, minMs: number): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < minMs) throw new CliError(`--${name}: "${text}" is not a duration of at least ${minMs} ms`, EXIT.USAGE);
  return ms;
}

/** The PSI file that speaks for the domain, if any: the machine's, a cgroup2 group's, or --psi-group's. */
function pressurePath(memcg: string | undefined, psiGroup: string | undefined): string | undefined {
  if (psiGroup !== undefined) return join(psiGroup, 'memory.pressure');
  if (memcg === undefined) return existsSync('/proc/pressure/memory') ? '/proc/pressure/memory' : undefined;
  const own = join(memcg, 'memory.pressure');
  return existsSync(own) ? own : undefined;
}

/** One NDJSON line: the snapshot as the format's writer has it, with the pressure field. */
function traceLine(snapshot: Snapshot, pressure: { someTotalUs: number; fullTotalUs?: number } | undefined): string {
  // serializeSnapshot keeps fields it does not know, after the known ones.
  return `${serializeSnapshot(pressure ? ({ ...snapshot, pressure } as Snapshot) : snapshot)}\n`;
}

async function record(flags: RecordFlags): Promise<number> {
  const intervalMs = durationFlag('interval', flags.interval, MIN_PRESSURE_READ_INTERVAL_MS);
  const durationMs = durationFlag('duration', flags.duration, 0);
  const psi = pressurePath(flags.memcg, flags.psiGroup);
  const fd = flags.out === undefined ? 1 : openSync(flags.out, 'w');
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let frames = 0;
  // scanLiveSnapshot's scanner, kept for the whole recording: held fds make every scan
  // after the first cheaper (src/kernel/source.ts).
  const source = new KernelProcessSource(flags.memcg === undefined ? { stallAverage: true } : { memcg: flags.memcg, stallAverage: true });
  try {
    const start = systemClock.nowMs();
    // A fixed schedule (start + i x interval), so a slow scan does not shift every later frame.
    for (let i = 0; !stop && i * intervalMs <= durationMs; i++) {
      const wait = start + i * intervalMs - systemClock.nowMs();
      if (wait > 0) await sleep(wait);
      const snapshot = await source.scan();
      if (snapshot.timeMs === undefined) snapshot.timeMs = systemClock.wallMs();
      const p = psi === undefined ? undefined : await readPressure(psi).catch(() => undefined);
      const pressure = p ? { someTotalUs: p.some.totalUs, ...(p.full ? { fullTotalUs: p.full.totalUs } : {}) } : undefined;
      // Written and flushed per frame: a recorder stopped by a signal leaves a readable trace.
      writeSync(fd, traceLine(snapshot, pressure));
      frames++;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    source.close();
    if (fd !== 1) closeSync(fd);
  }
  return frames;
}

export function register(program: Command): void {
  program
    .command('record')
    .description('Record live snapshots of a memory domain as NDJSON, for reapd simulate to replay')
    .option('--memcg <path>', 'record one cgroup (v1 memory directory or cgroup2 directory) instead of the machine')
    .option('--psi-group <path>', 'cgroup2 group whose memory.pressure stands for the domain (a v1 memcg has none)')
    .option('--interval <duration>', 'time between snapshots (at least 10ms)', '100ms')
    .option('--duration <duration>', 'how long to record', '60s')
    .option('--out <file>', 'write to FILE instead of standard output')
    .action(async (flags: RecordFlags) => {
      requireCgroupDir(flags.memcg);
      const frames = await record(flags);
      process.stderr.write(`reapd: recorded ${frames} snapshots${flags.out === undefined ? '' : ` to ${flags.out}`}\n`);
    });
}
