// "Needed": what a policy had to free at a decision, so overshoot = freed - needed means
// the same thing for every run of that policy (docs/simulator.md, "Needed and overshoot").
//   simple-lmk       minfree: the seed's reclaim aims to free at least MIN_FREE_PAGES;
//   lowmemorykiller, lmkd
//                    enough that no level of the table applies any more: a level applies
//                    while other_free AND other_file are both below its minfree, so it
//                    takes top minfree - max(other_free, other_file);
//   oom-score        enough to lift available memory above mem_available % of the total.
import type { Decision, PolicyName } from '../model/decision.js';
import type { MemoryView } from '../model/memory-view.js';
import { lmkdFreeFile, lowmemFreeFile, type Level } from '../policy/table.js';
import { memoryLevels } from '../policy/oom-score.js';

function tableNeeded(levels: readonly Level[], free: number, file: number): number {
  const top = levels.reduce((m, l) => Math.max(m, l.minfreeKiB), 0);
  return Math.max(0, top - Math.max(free, file));
}

export function neededKiB(policy: PolicyName, params: unknown, view: MemoryView, decision: Decision): number {
  const p = params as { minfreeKiB?: number; levels?: Level[]; memAvailablePercent?: number };
  switch (policy) {
    case 'simple-lmk':
      return decision.targetKiB ?? p.minfreeKiB ?? 0;
    case 'lowmemorykiller': {
      const ff = lowmemFreeFile(view);
      return tableNeeded(p.levels ?? [], ff.otherFreeKiB, ff.otherFileKiB);
    }
    case 'lmkd': {
      const ff = lmkdFreeFile(view);
      return tableNeeded(p.levels ?? [], ff.otherFreeKiB, ff.otherFileKiB);
    }
    case 'oom-score': {
      const l = memoryLevels(view);
      const threshold = Math.floor(((p.memAvailablePercent ?? 0) * l.totalKiB) / 100);
      return Math.max(0, threshold - l.availableKiB + 1);
    }
  }
}
