// The oom_score reapd works out (policy/oom-badness.ts) against a transcription of the
// kernel's C (fs/proc/base.c proc_oom_score, mm/oom_kill.c oom_badness) in BigInt, so
// that C's signed, truncating divisions are modelled exactly; and the promise the daemon's
// oom-score ranking rests on (Policy.scoresUsed): reading the kernel's oom_score of only
// the processes it names gives the victim that reading every process's would, as long as
// each worked-out score is within SCORE_LAG_POINTS of the kernel's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernelOomScore, SCORE_LAG_POINTS } from '../../src/policy/oom-badness.js';
import { decideOomScore, estimateOomScore, oomScore, type OomScoreParams } from '../../src/policy/oom-score.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import type { PolicyContext } from '../../src/policy/types.js';
import { ctx, memory, proc, snap } from './build.js';

/** proc_oom_score(), line by line: long arithmetic, LONG_MIN for adj -1000. */
function cOomScore(rssPages: bigint, swapPages: bigint, pgtablesBytes: bigint, adj: bigint, totalPages: bigint, pageBytes: bigint): bigint {
  if (adj === -1000n) return 0n; // oom_badness returns LONG_MIN; proc_oom_score prints 0
  let points = rssPages + swapPages + pgtablesBytes / pageBytes;
  let a = adj;
  a *= totalPages / 1000n;
  points += a;
  const badness = points; // BigInt division truncates toward zero, as C's does
  return ((1000n + (badness * 1000n) / totalPages) * 2n) / 3n;
}

const pageKiB = fc.constantFrom(4, 16, 64);

test('kernelOomScore is proc_oom_score, C division and all', () => {
  fc.assert(
    fc.property(
      pageKiB,
      fc.integer({ min: 1000, max: 1 << 26 }), // total pages: 4 MiB … 256 GiB at 4 KiB
      fc.integer({ min: 0, max: 1 << 26 }),
      fc.integer({ min: 0, max: 1 << 20 }),
      fc.integer({ min: 0, max: 1 << 16 }),
      fc.integer({ min: -1000, max: 1000 }),
      (page, totalPages, rss, swap, ptPages, adj) => {
        const r = Math.min(rss, totalPages);
        const s = Math.min(swap, totalPages - r); // resident + swapped never exceed RAM + swap
        const want = cOomScore(BigInt(r), BigInt(s), BigInt(ptPages * page * 1024), BigInt(adj), BigInt(totalPages), BigInt(page * 1024));
        const got = kernelOomScore({ residentKiB: r * page, swapKiB: s * page, pageTablesKiB: ptPages * page, oomScoreAdj: adj }, totalPages * page, page);
        assert.equal(BigInt(got), want < 0n ? 0n : want);
        // 0..2000, or a little above for a process holding everything plus page tables.
        assert.ok(got >= 0 && got <= 2000 + (2000 * ptPages) / totalPages + 1, `score ${got} out of range`);
      },
    ),
    { numRuns: 3000 },
  );
});

test('kernelOomScore never falls when memory or adj grows', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 1 << 24 }),
      fc.integer({ min: 0, max: 1 << 22 }),
      fc.integer({ min: 0, max: 1 << 22 }),
      fc.integer({ min: -999, max: 1000 }),
      fc.integer({ min: 0, max: 500 }),
      (totalPages, rss, more, adj, adjMore) => {
        const total = totalPages * 4;
        const at = (kib: number, a: number): number => kernelOomScore({ residentKiB: kib, swapKiB: 0, pageTablesKiB: 0, oomScoreAdj: a }, total, 4);
        assert.ok(at(rss * 4 + more * 4, adj) >= at(rss * 4, adj));
        assert.ok(at(rss * 4, Math.min(1000, adj + adjMore)) >= at(rss * 4, adj));
      },
    ),
    { numRuns: 2000 },
  );
});

const params: OomScoreParams = { memAvailablePercent: 10, swapFreePercent: 10 };
const RULES = { protect: [], prefer: [{ name: '^pref' }], avoid: [{ name: '^avoid' }] };

interface Truth {
  p: ProcessInfo;
  /** The kernel's oom_score for this process now. */
  kernel: number;
}

/**
 * Random processes: the snapshot's facts (sizes, adj; page tables as status last showed
 * them) and the kernel's score from the true page tables, which may have grown since by
 * less than a thousandth of the total (under one point before the rounding).
 */
const world = fc
  .record({
    totalMiB: fc.integer({ min: 256, max: 64 * 1024 }),
    procs: fc.array(
      fc.record({
        rssMiB: fc.integer({ min: 0, max: 4096 }),
        adj: fc.oneof(fc.constantFrom(-1000, 0, 0, 0, 100, 500, 1000), fc.integer({ min: -1000, max: 1000 })),
        ptKiB: fc.integer({ min: 0, max: 8192 }),
        lag: fc.double({ min: 0, max: 0.999, noNaN: true }),
        tier: fc.constantFrom('', '', '', 'pref', 'avoid'),
      }),
      { minLength: 1, maxLength: 40 },
    ),
  })
  .map(({ totalMiB, procs }) => {
    const mem = memory({ totalKiB: totalMiB * 1024, availableKiB: 1024, freeKiB: 1024 });
    const truths: Truth[] = procs.map((x, i) => {
      const p = proc(100 + i, { name: `${x.tier}p${i}`, oomScoreAdj: x.adj, rssAnonKiB: Math.min(x.rssMiB, totalMiB) * 1024, pageTablesKiB: x.ptKiB });
      const grownKiB = Math.floor(((x.lag * totalMiB * 1024) / 1000 / 4) * 4);
      const kernel = kernelOomScore({ residentKiB: p.rssAnonKiB, swapKiB: 0, pageTablesKiB: x.ptKiB + grownKiB, oomScoreAdj: x.adj }, mem.totalKiB, 4);
      return { p, kernel };
    });
    return { mem, truths };
  });

/** The engine's loop (reclaim.ts decideOnKernelScores): read the named scores until none is missing. */
function decideReadingOnlyWhatCanWin(s: Snapshot, kernelOf: Map<number, number>, c: PolicyContext): { victim: number | undefined; read: number } {
  let snapshot = s;
  let decision = decideOomScore(snapshot, {}, params, c);
  let read = 0;
  for (let round = 1; ; round++) {
    const used = round <= 3 ? (oomScore.scoresUsed?.(snapshot, decision, params, c) ?? (() => false)) : () => true;
    const named = snapshot.processes.filter((p) => p.oomScore === undefined && used(p));
    if (named.length === 0) break;
    read += named.length;
    snapshot = { ...snapshot, processes: snapshot.processes.map((p) => (named.includes(p) ? { ...p, oomScore: kernelOf.get(p.pid) ?? 0 } : p)) };
    decision = decideOomScore(snapshot, {}, params, c);
  }
  return { victim: decision.victims[0]?.pid, read };
}

test('reading the kernel oom_score of only the processes scoresUsed names gives the victim reading every one would', () => {
  fc.assert(
    fc.property(world, ({ mem, truths }) => {
      const c = ctx({ rules: RULES });
      const kernelOf = new Map(truths.map((t) => [t.p.pid, t.kernel]));
      // The premise: each worked-out score is within the lag of the kernel's.
      for (const t of truths) assert.ok(Math.abs(estimateOomScore(t.p, mem) - t.kernel) <= SCORE_LAG_POINTS);
      const everyScore = snap(truths.map((t) => ({ ...t.p, oomScore: t.kernel })), mem);
      const want = decideOomScore(everyScore, {}, params, c).victims[0]?.pid;
      const got = decideReadingOnlyWhatCanWin(snap(truths.map((t) => t.p), mem), kernelOf, c);
      assert.equal(got.victim, want);
    }),
    { numRuns: 1500 },
  );
});

test('scoresUsed names few: one process far above the rest is the only one read', () => {
  const mem = memory({ totalKiB: 24 * 1024 * 1024, availableKiB: 1024, freeKiB: 1024 });
  const small = Array.from({ length: 2000 }, (_, i) => proc(1000 + i, { rssAnonKiB: 4096 }));
  const big = proc(5, { oomScoreAdj: 1000, rssAnonKiB: 8192 });
  const kernelOf = new Map([...small, big].map((p) => [p.pid, estimateOomScore(p, mem)]));
  const got = decideReadingOnlyWhatCanWin(snap([...small, big], mem), kernelOf, ctx());
  assert.equal(got.victim, 5);
  assert.equal(got.read, 1, 'only the victim: every other score is 666, far below its 1333');
});
