// /proc/PID/status: "Key:\tvalue" lines. Read only where stat/statm are not enough:
// the real uid, the RssFile/RssShmem split, VmSwap, pending SIGKILL, CapEff.
// Real lines (a 64 MiB hog and a v1-frozen process that was SIGKILLed):
//   Uid:	0	0	0	0
//   RssAnon:	   65636 kB
//   VmSwap:	       0 kB
//   SigPnd:	0000000000000100
// Kernel threads and zombies have no Vm*/Rss* lines at all (fields stay undefined).
// Name is escaped, unlike stat's comm: 6.x prints a newline as "\n" and a backslash as
// "\\" (seq_escape_str with ESCAPE_SPACE|ESCAPE_SPECIAL); 4.18–5.x printed octal ("\012").

interface UidSet {
  real: number;
  effective: number;
  saved: number;
  fs: number;
}

interface ProcStatus {
  name: string;
  /** State letter ("S" from "S (sleeping)"). */
  state?: string;
  tgid?: number;
  ppid?: number;
  uid?: UidSet;
  /** "Kthread: 1" (6.x kernels only; older kernels lack the line). */
  kthread?: boolean;
  threads?: number;
  vmRssKiB?: number;
  rssAnonKiB?: number;
  rssFileKiB?: number;
  rssShmemKiB?: number;
  vmSwapKiB?: number;
  /** VmPTE: page tables (mm_pgtables_bytes >> 10). */
  vmPteKiB?: number;
  /** VmLck: locked memory (mlock). */
  vmLckKiB?: number;
  /** Pending signals, thread-private and shared (bit n−1 for signal n). */
  sigPnd?: bigint;
  shdPnd?: bigint;
  /** SIGKILL (9, mask 0x100) pending in SigPnd or ShdPnd: the process is being killed. */
  sigkillPending: boolean;
  capEff?: bigint;
}

/** SIGKILL is signal 9: bit 8 of the pending masks. */
const SIGKILL_MASK = 0x100n;

const HEX_RE = /^[0-9a-fA-F]{1,64}$/;
const KIB_RE = /^(\d+)\s*kB$/;
const INT_RE = /^-?\d+$/;

function hex(value: string): bigint | undefined {
  return HEX_RE.test(value) ? BigInt(`0x${value}`) : undefined;
}

function kib(value: string): number | undefined {
  const m = KIB_RE.exec(value);
  return m ? Number(m[1]) : undefined;
}

function int(value: string): number | undefined {
  return INT_RE.test(value) ? Number(value) : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', e: '\x1b', '\\': '\\', '"': '"',
};

/** Undo the kernel's escaping of the Name line ("ev) 1 (x\ny" → a real newline). */
export function unescapeProcName(escaped: string): string {
  if (typeof escaped !== 'string') return '';
  return escaped.replace(/\\(?:([0-7]{3})|(.))/gs, (whole, octal: string | undefined, ch: string | undefined) => {
    if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8) & 0xff);
    return (ch !== undefined ? SIMPLE_ESCAPES[ch] : undefined) ?? whole;
  });
}

function parseUid(value: string): UidSet | undefined {
  const parts = value.split(/\s+/).map(int);
  const [real, effective, saved, fs] = parts;
  if (real === undefined || real < 0) return undefined;
  return { real, effective: effective ?? real, saved: saved ?? real, fs: fs ?? real };
}

// One setter per key we keep; other lines are skipped without allocating.
const SETTERS: Record<string, (s: ProcStatus, v: string) => void> = {
  State: (s, v) => {
    const letter = v.trim().charAt(0);
    if (letter) s.state = letter;
  },
  Tgid: (s, v) => (s.tgid = int(v)),
  PPid: (s, v) => (s.ppid = int(v)),
  Uid: (s, v) => (s.uid = parseUid(v)),
  Kthread: (s, v) => (s.kthread = v === '1' ? true : v === '0' ? false : undefined),
  Threads: (s, v) => (s.threads = int(v)),
  VmRSS: (s, v) => (s.vmRssKiB = kib(v)),
  RssAnon: (s, v) => (s.rssAnonKiB = kib(v)),
  RssFile: (s, v) => (s.rssFileKiB = kib(v)),
  RssShmem: (s, v) => (s.rssShmemKiB = kib(v)),
  VmSwap: (s, v) => (s.vmSwapKiB = kib(v)),
  VmPTE: (s, v) => (s.vmPteKiB = kib(v)),
  VmLck: (s, v) => (s.vmLckKiB = kib(v)),
  SigPnd: (s, v) => (s.sigPnd = hex(v)),
  ShdPnd: (s, v) => (s.shdPnd = hex(v)),
  CapEff: (s, v) => (s.capEff = hex(v)),
};

/** Parse /proc/PID/status. Total: a record (when a Name line is present) or undefined. */
export function parseProcStatus(text: string): ProcStatus | undefined {
  if (typeof text !== 'string') return undefined;
  const s: ProcStatus = { name: '', sigkillPending: false };
  let sawName = false;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < nl) {
      const key = text.slice(start, colon);
      const setter = Object.hasOwn(SETTERS, key) ? SETTERS[key] : undefined;
      if (key === 'Name') {
        // Keep the name's own spaces: drop only the tab the kernel puts after the colon.
        const raw = text.slice(colon + 1, nl);
        s.name = unescapeProcName(raw.startsWith('\t') ? raw.slice(1) : raw);
        sawName = true;
      } else if (setter) {
        setter(s, text.slice(colon + 1, nl).trim());
      }
    }
    start = nl + 1;
  }
  if (!sawName) return undefined;
  const pending = (s.sigPnd ?? 0n) | (s.shdPnd ?? 0n);
  s.sigkillPending = (pending & SIGKILL_MASK) !== 0n;
  return s;
}
