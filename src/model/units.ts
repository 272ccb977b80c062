// Sizes and durations as users write them. Sizes: "64MiB", "512KiB", "1GiB", "4096p"
// (pages), "500MB" (decimal); a unit is required. Durations: "100ms", "2s", "1m", or bare ms.

export const PAGE_SIZE_KIB = 4;

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i;

/**
 * KiB per unit, by the unit in lower case. What users write (issue 11): K/M/G/T and
 * KiB/MiB/GiB/TiB are binary (1024^n bytes, as free(1) and the kernel's "kB" mean);
 * KB/MB/GB/TB are decimal (10^3n bytes, as disk vendors and systemd's MemoryMax mean).
 * Case never matters ("512mib" = "512MiB"). "p" is a page.
 */
const SIZE_FACTOR_KIB: Record<string, number> = {
  b: 1 / 1024,
  k: 1, kib: 1, kb: 1000 / 1024,
  m: 1024, mib: 1024, mb: 1e6 / 1024,
  g: 1024 ** 2, gib: 1024 ** 2, gb: 1e9 / 1024,
  t: 1024 ** 3, tib: 1024 ** 3, tb: 1e12 / 1024,
};

/** Why a text is not a size, with what the user may have meant; undefined for a size. */
export function sizeProblem(text: string): string | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return `"${text}" is not a size (write a number and a unit: 64MiB, 512KiB, 1GiB, 16384p)`;
  const unit = m[2]?.toLowerCase();
  if (unit === undefined) {
    return Number(m[1]) === 0 ? undefined : `"${text}" has no unit: write "${m[1]}KiB", "${m[1]}MiB" or "${m[1]}p" (pages), not a bare number`;
  }
  if (unit !== 'p' && unit !== 'page' && unit !== 'pages' && SIZE_FACTOR_KIB[unit] === undefined) {
    return `"${text}" is not a size: unknown unit "${m[2]}" (units: B, KiB, MiB, GiB, TiB or K, M, G, T (binary); KB, MB, GB, TB (decimal); p (pages))`;
  }
  return undefined;
}

/**
 * Parse a size into KiB; undefined when the text is not a size, including a bare number
 * other than 0 (a unit is required: "512" once meant 512 KiB to reapd and 512 MiB to its
 * user). Pages use pageSizeKiB.
 */
export function parseSizeKiB(text: string, pageSizeKiB = PAGE_SIZE_KIB): number | undefined {
  if (sizeProblem(text) !== undefined) return undefined;
  const m = SIZE_RE.exec(text) as RegExpExecArray;
  const value = Number(m[1]);
  const unit = (m[2] ?? 'kib').toLowerCase();
  const factor = unit === 'p' || unit === 'page' || unit === 'pages' ? pageSizeKiB : SIZE_FACTOR_KIB[unit];
  if (factor === undefined || !Number.isFinite(value)) return undefined;
  return Math.round(value * factor);
}

export function formatKiB(kib: number): string {
  const abs = Math.abs(kib);
  if (abs >= 1024 ** 2) return `${(kib / 1024 ** 2).toFixed(1)} GiB`;
  if (abs >= 1024) return `${(kib / 1024).toFixed(1)} MiB`;
  return `${kib} KiB`;
}

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|us)?\s*$/i;
const DURATION_FACTOR_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parse a duration into ms; undefined when not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const factor = DURATION_FACTOR_MS[(m[2] ?? 'ms').toLowerCase()];
  if (factor === undefined) return undefined;
  return Number(m[1]) * factor;
}
