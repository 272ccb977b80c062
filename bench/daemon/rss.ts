// RSS under repeated pressure events: reapd guards a v1 memcg (simple-lmk on its eventfds,
// the kernel's OOM killer disabled) while hogs at adj 1000 grow into the limit one after
// another, for `seconds`; each is one pressure event, one decision, one kill. The
// daemon's RSS is sampled throughout: a leak would show as steady growth.
import { memcgV1 } from '../../test/helpers/cgroup.js';
import { spawnHog, withTimeout } from '../../test/helpers/hog.js';
import { Reapd } from '../../test/cli/run-harness.js';
import { fmt, sampleProcess } from './procstat.js';

export interface RssResult {
  seconds: number;
  kills: number;
  events: number;
  /** [seconds since start, RSS KiB, RssAnon KiB] */
  samples: Array<[number, number, number]>;
  hwmKiB: number;
  cpuSeconds: number;
}

export async function rssRun(seconds: number): Promise<RssResult> {
  const memcg = memcgV1({ limitMiB: 48, oomKillDisable: true });
  const reapd = new Reapd();
  try {
    reapd.start({
      config: ['[daemon]', 'socket = ""', '[[domain]]', 'name = "rss"', `memcg = "${memcg.path}"`, 'policy = "simple-lmk"', 'minfree = "1MiB"', 'reclaim_timeout = "1s"'].join('\n'),
    });
    await reapd.waitForEvent('started', 30_000);
    const pid = reapd.child?.pid ?? 0;
    const t0 = Date.now();
    const samples: Array<[number, number, number]> = [];
    const sample = (elapsed: number): void => {
      const p = sampleProcess(pid);
      samples.push([Math.round(elapsed), p.rssKiB, p.rssAnonKiB]);
    };
    let nextSample = 0;
    let kills = 0;
    while (Date.now() - t0 < seconds * 1000) {
      const elapsed = (Date.now() - t0) / 1000;
      if (elapsed >= nextSample) {
        sample(elapsed);
        nextSample += Math.max(5, Math.round(seconds / 20));
      }
      const from = reapd.lines.length;
      const hog = spawnHog({ mib: 64, stepMiB: 16, stepMs: 5, oomScoreAdj: 1000, cgroups: [memcg.path] });
      await reapd.waitForEvent('kill', 20_000, (l) => l.pid === hog.pid, from);
      await withTimeout(hog.exited, 10_000, 'hog exit');
      kills++;
      // Keep the lines the harness holds from growing without bound over a long run.
      if (reapd.lines.length > 5000) reapd.lines.splice(0, reapd.lines.length - 1000);
    }
    sample((Date.now() - t0) / 1000);
    const last = sampleProcess(pid);
    return { seconds, kills, events: kills, samples, hwmKiB: last.hwmKiB, cpuSeconds: last.cpuSeconds };
  } finally {
    await reapd.cleanup();
    await memcg.remove();
  }
}

/** Anon growth over the second half of the run: a leak keeps growing, a settling heap does not. */
function secondHalf(r: RssResult): string {
  const mid = r.samples.find(([s]) => s >= r.seconds / 2);
  const end = r.samples[r.samples.length - 1];
  if (!mid || !end) return '';
  return `Anon at the end / at ${mid[0]} s: **${fmt(end[2] / mid[2], 2)}×** (a leak would keep growing; a heap settling into its steady size does not).`;
}

export function rssTable(r: RssResult): string {
  const first = r.samples[0]?.[1] ?? NaN;
  const last = r.samples[r.samples.length - 1]?.[1] ?? NaN;
  return [
    `${r.kills} pressure events and kills in ${r.seconds} s (one hog at a time growing into a 48 MiB memcg).`,
    '',
    '| seconds | RSS MiB | of which anon MiB |',
    '|---|---|---|',
    ...r.samples.map(([s, kib, anon]) => `| ${s} | ${fmt(kib / 1024)} | ${fmt(anon / 1024)} |`),
    '',
    `RSS at the end / at the first event: **${fmt(last / first, 2)}×**; anon at the end / at the first event: ` +
      `**${fmt((r.samples[r.samples.length - 1]?.[2] ?? NaN) / (r.samples[0]?.[2] ?? NaN), 2)}×**; peak (VmHWM) ${fmt(r.hwmKiB / 1024)} MiB; ` +
      `daemon CPU ${fmt(r.cpuSeconds, 1)} s in all. Most of the RSS is the node binary's code, locked in memory by self-protection (file-backed, shared with other node processes).`,
    secondHalf(r),
  ].join('\n');
}
