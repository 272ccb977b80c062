// hold_back: while reapd guards a cgroup2 memory group, memory.high = memory.max − margin.
//
// Why: on cgroup2 there is no oom_kill_disable. Without swap, a group that reaches
// memory.max and cannot reclaim is OOM-killed by the kernel at once (measured in the VM
// tier: one failed reclaim, ~30 ms of stall, never enough for a PSI window). Over
// memory.high the kernel never OOM-kills: it reclaims and throttles the group's
// allocators (mem_cgroup_handle_over_high, sleeps of up to 2 s per return to user space),
// and counts "high" in memory.events, which reapd polls. The margin is reapd's time to
// decide. The trade-off: the group is throttled a margin earlier than its owner's limit
// says, and if reapd died by SIGKILL, memory.high stays lowered (the group is throttled,
// not killed, at the margin) until the next reapd start restores it from the state file.
//
// What reapd changed is written first to STATE_DIR/<escaped group>.json, so a reapd that
// starts after a crash restores the owner's value and not its own.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMemcgLimit } from '../parse/memcg.js';

const HOLD_BACK_STATE_DIR = '/run/reapd/hold-back';

export interface HeldBack {
  group: string;
  /** memory.high as the owner had set it ("max" or bytes). */
  original: string;
  /** What reapd wrote, bytes. */
  written: string;
  /** One sentence for the log. */
  describe: string;
}

interface StateRecord {
  group: string;
  original: string;
  written: string;
}

function stateFile(stateDir: string, group: string): string {
  return join(stateDir, `${group.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}.json`);
}

function readTrim(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** The owner's memory.high: from a previous run's state file when reapd's value is still in place. */
function ownersHigh(group: string, current: string, stateDir: string): string {
  try {
    const rec = JSON.parse(readFileSync(stateFile(stateDir, group), 'utf8')) as StateRecord;
    if (rec.group === group && rec.written === current) return rec.original;
  } catch {
    /* no earlier run left a record */
  }
  return current;
}

/**
 * Lower memory.high to memory.max − marginKiB. Returns what changed, or a reason when
 * nothing was changed (no memory.max, or the owner's memory.high is already lower).
 * Throws when the files cannot be read or written.
 */
export function holdBack(group: string, marginKiB: number, stateDir = HOLD_BACK_STATE_DIR): HeldBack | string {
  const max = parseMemcgLimit(readTrim(join(group, 'memory.max')));
  if (typeof max !== 'number') return `${group} has no memory.max: there is no kernel OOM kill to hold back`;
  const current = readTrim(join(group, 'memory.high'));
  const original = ownersHigh(group, current, stateDir);
  const target = Math.max(0, max - marginKiB * 1024);
  const owners = parseMemcgLimit(original);
  if (typeof owners === 'number' && owners <= target) {
    return `memory.high of ${group} (${original}) is already at least ${marginKiB} KiB below memory.max: left as it is`;
  }
  const written = String(target - (target % 4096));
  mkdirSync(stateDir, { recursive: true });
  const file = stateFile(stateDir, group);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ group, original, written } satisfies StateRecord)}\n`);
  renameSync(`${file}.tmp`, file);
  writeFileSync(join(group, 'memory.high'), written);
  return {
    group, original, written,
    describe: `memory.high of ${group} set to ${written} (memory.max ${max} − hold_back ${marginKiB} KiB; was ${original}): the kernel throttles there instead of OOM-killing while reapd decides`,
  };
}

/**
 * Put the owner's memory.high back — unless someone changed it since reapd wrote it
 * (then theirs stays). Returns one sentence for the log. A removed group is no error.
 */
export function releaseHoldBack(h: HeldBack, stateDir = HOLD_BACK_STATE_DIR): string {
  const path = join(h.group, 'memory.high');
  let message: string;
  if (!existsSync(path)) message = `${h.group} is gone: nothing to restore`;
  else {
    const now = readTrim(path);
    if (now === h.written) {
      writeFileSync(path, h.original);
      message = `memory.high of ${h.group} restored to ${h.original}`;
    } else message = `memory.high of ${h.group} was changed to ${now} meanwhile: left as it is (reapd had written ${h.written})`;
  }
  rmSync(stateFile(stateDir, h.group), { force: true });
  return message;
}
