// zram's real cost of swapped pages: /sys/block/zramN/mm_stat, nine (older kernels: seven
// or eight) byte counts on one line (Documentation/admin-guide/blockdev/zram.rst):
//   orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages pages_compacted huge_pages huge_pages_since
//   "    4096       64    20480        0    20480        0        0        0        0"
// and which swap devices are zram, from /proc/swaps:
//   Filename				Type		Size		Used		Priority
//   /dev/zram0                              partition	1048572		0		-2
import type { ZramState } from '../../model/snapshot.js';

/** orig_data_size and mem_used_total in KiB; undefined when the line is not mm_stat. */
export function parseZramMmStat(text: string): ZramState | undefined {
  if (typeof text !== 'string') return undefined;
  const fields = text.trim().split(/\s+/);
  if (fields.length < 3 || !fields.every((f) => /^\d+$/.test(f))) return undefined;
  return { origDataKiB: Math.floor(Number(fields[0]) / 1024), memUsedKiB: Math.floor(Number(fields[2]) / 1024) };
}

interface SwapDevice {
  /** As /proc/swaps prints it ("/dev/zram0", "/swapfile"; spaces as \040). */
  filename: string;
  sizeKiB: number;
  usedKiB: number;
}

export function parseSwaps(text: string): SwapDevice[] {
  if (typeof text !== 'string') return [];
  const out: SwapDevice[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^(\S+)\s+\S+\s+(\d+)\s+(\d+)\s+-?\d+\s*$/.exec(line);
    if (m) out.push({ filename: m[1] as string, sizeKiB: Number(m[2]), usedKiB: Number(m[3]) });
  }
  return out;
}

/** "zram0" for "/dev/zram0"; undefined for any other swap device. */
export function zramName(device: SwapDevice): string | undefined {
  return /^\/dev\/(zram\d+)$/.exec(device.filename)?.[1];
}
