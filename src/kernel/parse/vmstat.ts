// /proc/vmstat → the counters lmkd's PSI strategy reads (all in pages; they only grow):
//   workingset_refault_file 3325309      (5.9+; before: workingset_refault)
//   pgscan_kswapd 0
//   pgscan_direct 0
//   nr_inactive_file 208838
//   nr_active_file 179993
// Total: undefined when a counter is missing (or the text is not vmstat).
import type { VmCounters } from '../../model/snapshot.js';

const WANTED = new Set(['workingset_refault_file', 'workingset_refault', 'pgscan_kswapd', 'pgscan_direct', 'nr_inactive_file', 'nr_active_file']);

export function parseVmstat(text: string, pageSizeKiB: number): VmCounters | undefined {
  if (typeof text !== 'string') return undefined;
  const got = new Map<string, number>();
  const re = /^([a-z_]+) (\d+)$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (WANTED.has(m[1] as string)) got.set(m[1] as string, Number(m[2]));
  }
  // lmkd: "Starting 5.9 kernel workingset_refault vmstat field was renamed workingset_refault_file".
  const refault = got.get('workingset_refault_file') ?? got.get('workingset_refault');
  const direct = got.get('pgscan_direct');
  const kswapd = got.get('pgscan_kswapd');
  const inactive = got.get('nr_inactive_file');
  const active = got.get('nr_active_file');
  if (refault === undefined || direct === undefined || kswapd === undefined || inactive === undefined || active === undefined) return undefined;
  return { workingsetRefaultFile: refault, pgscanDirect: direct, pgscanKswapd: kswapd, fileLruPages: inactive + active, pageSizeKiB };
}
