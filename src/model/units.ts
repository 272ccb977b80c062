// Sizes and durations as users write them. Sizes: "64MiB", "512KiB", "1GiB", "4096p"
// (pages), or a bare number of KiB. Durations: "100ms", "2s", "1m", or bare ms.

export const PAGE_SIZE_KIB = 4;

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(kib|k|kb|mib|m|mb|gib|g|gb|tib|t|p|pages?|b)?\s*$/i;

const SIZE_FACTOR_KIB: Record<string, number> = {
  b: 1 / 1024,
  k: 1, kb: 1, kib: 1,
  m: 1024, mb: 1024, mib: 1024,
  g: 1024 ** 2, gb: 1024 ** 2, gib: 1024 ** 2,
  t: 1024 ** 3, tib: 1024 ** 3,
};

/** Parse a size into KiB; undefined when the text is not a size. Pages use pageSizeKiB. */
export function parseSizeKiB(text: string, pageSizeKiB = PAGE_SIZE_KIB): number | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
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
