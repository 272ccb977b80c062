// "Did you mean …?" for unknown keys: the closest known key by edit distance, offered
// only when it is close enough to be a plausible typo (log_fromat -> log_format).

/** Levenshtein distance, O(a·b); keys are short. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known key closest to `key`, if within a third of its length (at least 2 edits). */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, '_');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(norm(key), norm(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  if (bestDistance <= limit) return best;
  // An abbreviation: "mem_avail" for "mem_available".
  return key.length >= 4 ? known.find((k) => norm(k).startsWith(norm(key))) : undefined;
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = suggestKey(key, known);
  return hint !== undefined
    ? `unknown key "${key}" (did you mean "${hint}"?)`
    : `unknown key "${key}" (known here: ${known.join(', ')})`;
}
