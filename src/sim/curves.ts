// Memory curves: anonymous memory as a function of time since the process started.
// Integer KiB out, so every run computes the same sizes bit for bit.
import type { Curve } from './scenario/types.js';

function lerp(a: number, b: number, fraction: number): number {
  return Math.round(a + (b - a) * fraction);
}

function points(pts: ReadonlyArray<readonly [number, number]>, tMs: number): number {
  const first = pts[0];
  if (!first) return 0;
  if (tMs <= first[0]) return first[1];
  for (let i = 1; i < pts.length; i++) {
    const b = pts[i] as readonly [number, number];
    if (tMs <= b[0]) {
      const a = pts[i - 1] as readonly [number, number];
      return b[0] === a[0] ? b[1] : lerp(a[1], b[1], (tMs - a[0]) / (b[0] - a[0]));
    }
  }
  return (pts[pts.length - 1] as readonly [number, number])[1];
}

/** Anonymous memory the process wants tMs after its start, KiB. */
export function curveKiB(curve: Curve, tMs: number): number {
  switch (curve.kind) {
    case 'constant':
      return curve.sizeKiB;
    case 'ramp': {
      if (tMs <= curve.atMs) return curve.fromKiB;
      if (curve.overMs <= 0 || tMs >= curve.atMs + curve.overMs) return curve.toKiB;
      return lerp(curve.fromKiB, curve.toKiB, (tMs - curve.atMs) / curve.overMs);
    }
    case 'step':
      return tMs < curve.atMs ? curve.fromKiB : curve.toKiB;
    case 'leak': {
      const grown = curve.fromKiB + Math.round((curve.rateKiBps * tMs) / 1000);
      return curve.maxKiB === null ? grown : Math.min(grown, curve.maxKiB);
    }
    case 'sawtooth': {
      if (curve.periodMs <= 0) return curve.minKiB;
      const phase = (tMs % curve.periodMs) / curve.periodMs;
      return lerp(curve.minKiB, curve.maxKiB, phase);
    }
    case 'points':
      return points(curve.points, tMs);
  }
}
