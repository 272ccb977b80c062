// The kernel's own OOM killer, for when no policy acted in time: oom_badness() ranks by
// resident + swap plus oom_score_adj scaled to the domain's pages; it never picks init,
// kernel threads, oom_score_adj -1000, or a task already dying (mm/oom_kill.c).
import type { SimProcess } from './process.js';

function badness(p: SimProcess, totalKiB: number): number {
  return p.totalKiB() + Math.trunc((p.adj * totalKiB) / 1000);
}

export function kernelOomVictim(present: readonly SimProcess[], totalKiB: number): SimProcess | undefined {
  let best: SimProcess | undefined;
  let bestPoints = -Infinity;
  for (const p of present) {
    if (p.life !== 'running' || p.pid === 1 || p.spec.kernelThread || p.adj === -1000) continue;
    const points = badness(p, totalKiB);
    if (points > bestPoints) {
      best = p;
      bestPoints = points;
    }
  }
  return best;
}
