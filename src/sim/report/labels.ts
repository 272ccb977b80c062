// Collision-aware placement of kill labels. Labels are rotated to read upwards, so each
// needs only a line's height of horizontal room; they sit in a band above the plot, as
// near their kill's x as the labels beside them allow, joined to it by a leader line.

/**
 * Positions for labels wanted at `xs` (any order), each at least `gap` from the next,
 * all within [lo, hi]. Returns one position per input, in input order.
 * Forward pass pushes crowded labels right; a backward pass pulls the overflow back
 * left; when even that does not fit, the labels share the width evenly.
 */
export function spreadLabels(xs: readonly number[], gap: number, lo: number, hi: number): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x || a.i - b.i);
  const n = order.length;
  if (n === 0) return [];
  const pos = order.map((o) => Math.min(hi, Math.max(lo, o.x)));
  for (let k = 1; k < n; k++) pos[k] = Math.max(pos[k] ?? 0, (pos[k - 1] ?? 0) + gap);
  if ((pos[n - 1] ?? 0) > hi) {
    pos[n - 1] = hi;
    for (let k = n - 2; k >= 0; k--) pos[k] = Math.min(pos[k] ?? 0, (pos[k + 1] ?? 0) - gap);
  }
  if ((pos[0] ?? 0) < lo) {
    const even = n > 1 ? (hi - lo) / (n - 1) : 0;
    for (let k = 0; k < n; k++) pos[k] = lo + k * even;
  }
  const out = new Array<number>(n);
  order.forEach((o, k) => (out[o.i] = pos[k] ?? o.x));
  return out;
}

/** Rough width of a label in SVG units for a sans-serif font of `fontPx` (0.58 em a glyph). */
export function textWidth(text: string, fontPx: number): number {
  return text.length * fontPx * 0.58;
}
