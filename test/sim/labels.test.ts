// Kill-label placement: labels keep their order, keep at least the gap apart, stay inside
// the chart, and stay at their kill when there is room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spreadLabels } from '../../src/sim/report/labels.js';

test('labels with room stay where their kills are', () => {
  assert.deepEqual(spreadLabels([100, 300, 200], 12, 50, 890), [100, 300, 200]);
});

test('crowded labels are pushed apart, and pulled back in at the right edge', () => {
  assert.deepEqual(spreadLabels([100, 100, 100], 12, 50, 890), [100, 112, 124]);
  assert.deepEqual(spreadLabels([890, 890, 890], 12, 50, 890), [866, 878, 890]);
});

test('any kills: order kept, gap kept when it fits, inside the bounds', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 80 }), (xs) => {
      const lo = 50, hi = 890, gap = 12;
      const pos = spreadLabels(xs, gap, lo, hi);
      assert.equal(pos.length, xs.length);
      const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x || a.i - b.i).map((o) => pos[o.i] ?? NaN);
      const fits = (xs.length - 1) * gap <= hi - lo;
      const minGap = fits ? gap : (hi - lo) / Math.max(1, xs.length - 1);
      for (let k = 0; k < order.length; k++) {
        assert.ok((order[k] ?? NaN) >= lo - 1e-9 && (order[k] ?? NaN) <= hi + 1e-9, `inside: ${order[k]}`);
        if (k > 0) assert.ok((order[k] ?? 0) - (order[k - 1] ?? 0) >= minGap - 1e-9, `gap at ${k}`);
      }
    }),
  );
});
