// `--since TIME`: an ISO 8601 instant ("2025-06-01T12:00:00Z", "2025-06-01") or a span
// back from now ("90s", "10m", "2h", "1d", "1w").
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseSince(text: string, nowMs: number): Date | undefined {
  const t = text.trim();
  const rel = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(t);
  if (rel) return new Date(nowMs - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number));
  // Only things that look like a date: Date.parse also accepts "1" or "June".
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
